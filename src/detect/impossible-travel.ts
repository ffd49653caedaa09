import { countryBoxes } from '../enrich/countries.ts';
import type { AuthView, PlaceVisit } from '../state/store.ts';
import { boxGapKm, distanceKm } from './geodesy.ts';
import { decodePlace, type StoredPlace } from './place-code.ts';
import { round, type DetectContext, type Signal } from './signal.ts';

/** Two sign-ins in the same second still need a gap to divide by; one second keeps the speed finite. */
const MIN_GAP_MS = 1000;

export interface Leg {
  readonly from: StoredPlace & { readonly atMs: number };
  readonly to: StoredPlace & { readonly atMs: number };
  readonly distanceKm: number;
  /** The least the user must have moved: see `basis`. */
  readonly effectiveDistanceKm: number;
  /**
   * `radii`: the distance with both accuracy radii taken off. `countries`: one end is known only to
   * its country, so the distance is the gap between the two countries' boxes (none inside a country).
   */
  readonly basis: 'radii' | 'countries';
  readonly gapMs: number;
  readonly speedKmh: number;
}

/** The speed a user must have travelled between two sign-ins, at the least. */
export function measureLeg(from: StoredPlace & { atMs: number }, to: StoredPlace & { atMs: number }): Leg {
  const distance = distanceKm(from, to);
  // A country-level place sits at the country's centre with a radius (GeoLite2 gives 50 to 1,000 km)
  // far short of the country's width (Brazil is 4,300 km across), so its distance proves nothing.
  const basis = from.level === 'country' || to.level === 'country' ? 'countries' : 'radii';
  const effective =
    basis === 'countries'
      ? countryGapKm(from.country, to.country)
      : Math.max(0, distance - from.accuracyKm - to.accuracyKm);
  const gapMs = Math.abs(to.atMs - from.atMs);
  return {
    from,
    to,
    distanceKm: distance,
    effectiveDistanceKm: effective,
    basis,
    gapMs,
    speedKmh: effective / (Math.max(gapMs, MIN_GAP_MS) / 3_600_000),
  };
}

/** The least distance between two countries' land; 0 inside one country, or when one is unknown. */
function countryGapKm(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined || a === b) return 0;
  const [boxesA, boxesB] = [countryBoxes(a), countryBoxes(b)];
  if (!boxesA || !boxesB) return 0;
  return Math.min(...boxesA.flatMap((boxA) => boxesB.map((boxB) => boxGapKm(boxA, boxB))));
}

/**
 * Compares a sign-in with the user's nearest located sign-ins before and after it in event time,
 * so late arrivals are judged against their true neighbours. The same address is never travel.
 */
export function detectImpossibleTravel(
  context: DetectContext,
  view: AuthView,
  current: string | undefined,
): Signal | undefined {
  if (!current) return undefined;
  const { maxSpeedKmh, minDistanceKm } = context.settings.travel;
  const here = { ...decodePlace(current), atMs: context.enriched.atMs };
  const legs = [view.earlier, view.later]
    .filter((visit): visit is PlaceVisit => visit !== undefined)
    .map((visit) => ({ ...decodePlace(visit.place), atMs: visit.atMs }))
    .filter((there) => there.ip !== here.ip)
    .map((there) => (there.atMs <= here.atMs ? measureLeg(there, here) : measureLeg(here, there)))
    .filter((leg) => leg.effectiveDistanceKm >= minDistanceKm && leg.speedKmh > maxSpeedKmh);
  if (legs.length === 0) return undefined;
  const leg = legs.reduce((fastest, candidate) =>
    candidate.speedKmh > fastest.speedKmh ? candidate : fastest,
  );
  const ratio = leg.speedKmh / maxSpeedKmh;
  return {
    type: 'impossible_travel',
    severity: ratio >= 3 ? 'high' : 'medium',
    score: ratio >= 3 ? 0.8 : 0.7,
    summary: `${describe(leg.from)} → ${describe(leg.to)}: ${formatDistance(leg)} in ${formatGap(leg.gapMs)}, at least ${Math.round(leg.speedKmh).toLocaleString('en')} km/h`,
    evidence: {
      from: evidencePlace(leg.from),
      to: evidencePlace(leg.to),
      distanceKm: round(leg.distanceKm, 1),
      effectiveDistanceKm: round(leg.effectiveDistanceKm, 1),
      basis: leg.basis,
      gapSeconds: round(leg.gapMs / 1000),
      speedKmh: round(leg.speedKmh),
      maxSpeedKmh,
      minDistanceKm,
      geoDataDate: context.geoDataDate ?? null,
    },
  };
}

function evidencePlace(place: StoredPlace & { atMs: number }) {
  return {
    at: new Date(place.atMs).toISOString(),
    ip: place.ip,
    country: place.country ?? null,
    city: place.city ?? null,
    lat: place.lat,
    lon: place.lon,
    accuracyKm: place.accuracyKm,
    level: place.level,
  };
}

function describe(place: StoredPlace): string {
  return [place.city, place.country].filter(Boolean).join(', ') || place.ip;
}

function formatDistance(leg: Leg): string {
  return leg.basis === 'countries'
    ? `${Math.round(leg.effectiveDistanceKm).toLocaleString('en')} km between the countries`
    : `${Math.round(leg.distanceKm).toLocaleString('en')} km`;
}

function formatGap(gapMs: number): string {
  if (gapMs < 60_000) return `${Math.round(gapMs / 1000)} s`;
  if (gapMs < 3_600_000) return `${Math.round(gapMs / 60_000)} min`;
  return `${round(gapMs / 3_600_000, 1)} h`;
}
