import type { AuthView, PlaceVisit } from '../state/store.ts';
import { distanceKm } from './geodesy.ts';
import { decodePlace, type StoredPlace } from './place-code.ts';
import { round, type DetectContext, type Signal } from './signal.ts';

/** Two sign-ins in the same second still need a gap to divide by; one second keeps the speed finite. */
const MIN_GAP_MS = 1000;

export interface Leg {
  readonly from: StoredPlace & { readonly atMs: number };
  readonly to: StoredPlace & { readonly atMs: number };
  readonly distanceKm: number;
  /** Distance left once both accuracy radii are taken off: the least the user must have moved. */
  readonly effectiveDistanceKm: number;
  readonly gapMs: number;
  readonly speedKmh: number;
}

/** The speed a user must have travelled between two sign-ins, at the least. */
export function measureLeg(from: StoredPlace & { atMs: number }, to: StoredPlace & { atMs: number }): Leg {
  const distance = distanceKm(from, to);
  const effective = Math.max(0, distance - from.accuracyKm - to.accuracyKm);
  const gapMs = Math.abs(to.atMs - from.atMs);
  return {
    from,
    to,
    distanceKm: distance,
    effectiveDistanceKm: effective,
    gapMs,
    speedKmh: effective / (Math.max(gapMs, MIN_GAP_MS) / 3_600_000),
  };
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
    summary:
      `${describe(leg.from)} → ${describe(leg.to)}: ${Math.round(leg.distanceKm).toLocaleString('en')} km in ` +
      `${formatGap(leg.gapMs)}, at least ${Math.round(leg.speedKmh).toLocaleString('en')} km/h`,
    evidence: {
      from: evidencePlace(leg.from),
      to: evidencePlace(leg.to),
      distanceKm: round(leg.distanceKm, 1),
      effectiveDistanceKm: round(leg.effectiveDistanceKm, 1),
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
  };
}

function describe(place: StoredPlace): string {
  return [place.city, place.country].filter(Boolean).join(', ') || place.ip;
}

function formatGap(gapMs: number): string {
  if (gapMs < 60_000) return `${Math.round(gapMs / 1000)} s`;
  if (gapMs < 3_600_000) return `${Math.round(gapMs / 60_000)} min`;
  return `${round(gapMs / 3_600_000, 1)} h`;
}
