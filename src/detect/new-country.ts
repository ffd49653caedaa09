import type { AuthView } from '../state/store.ts';
import { DAY_MS, isLearning, learningEvidence, type DetectContext, type Signal } from './signal.ts';

/** A sign-in from a country the user has not signed in from within the retention period. */
export function detectNewCountry(
  context: DetectContext,
  view: AuthView,
  country: string | undefined,
): Signal | undefined {
  const { enriched, settings } = context;
  if (!country) return undefined;
  const seen = view.country;
  if (seen && enriched.atMs - seen.lastMs <= settings.device.retentionDays * DAY_MS) return undefined;
  if (isLearning(view.profile, enriched.atMs, settings.learning)) return undefined;
  const place = enriched.place;
  return {
    type: 'new_country',
    severity: 'medium',
    score: 0.5,
    summary: `first sign-in from ${country}${view.knownCountries.length ? ` (known: ${view.knownCountries.join(', ')})` : ''}`,
    evidence: {
      country,
      city: place?.city ?? null,
      ip: enriched.ip,
      accuracyKm: place?.accuracyKm ?? null,
      knownCountries: view.knownCountries,
      lastSeen: seen ? new Date(seen.lastMs).toISOString() : null,
      history: learningEvidence(view.profile, enriched.atMs),
      geoDataDate: context.geoDataDate ?? null,
    },
  };
}
