import { detectSchema } from '../../src/config/schema.ts';
import type { DetectContext } from '../../src/detect/signal.ts';
import type { EnrichedEvent } from '../../src/enrich/enrich.ts';
import type { Place } from '../../src/enrich/geo.ts';
import type { VigilEvent } from '../../src/events/index.ts';
import type { AuthView } from '../../src/state/store.ts';

export const T = Date.parse('2026-03-01T09:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const settings = detectSchema.parse({});

export const PARIS: Place = {
  lat: 48.8566,
  lon: 2.3522,
  accuracyKm: 0,
  country: 'FR',
  city: 'Paris',
  source: 'emitter',
  level: 'city',
};
export const NEW_YORK: Place = {
  lat: 40.7128,
  lon: -74.006,
  accuracyKm: 0,
  country: 'US',
  city: 'New York',
  source: 'emitter',
  level: 'city',
};

export function enriched(
  overrides: Partial<Omit<EnrichedEvent, 'event'>> & { atMs: number; event?: Record<string, unknown> },
): EnrichedEvent {
  const event = {
    kind: 'auth',
    event_id: 'e1',
    occurred_at: new Date(overrides.atMs).toISOString(),
    type: 'login_success',
    user_id: 'alice',
    ip: '198.51.100.7',
    ...overrides.event,
  } as VigilEvent;
  return { ip: event.ip, network: 'public', placeUsable: true, ...overrides, event };
}

export function context(e: EnrichedEvent, overrides: Partial<DetectContext['settings']> = {}): DetectContext {
  return { enriched: e, settings: { ...settings, ...overrides }, geoDataDate: '2023-11-15' };
}

/** A user well past learning: 30 days and 40 logins of history. */
export function authView(overrides: Partial<AuthView> = {}): AuthView {
  return {
    kind: 'auth',
    duplicate: false,
    firstView: false,
    profile: { firstSeenMs: T - 30 * DAY, logins: 40 },
    knownCountries: [],
    knownDevices: 0,
    loginFailures: 0,
    mfaFailures: 0,
    loginFailuresBefore: 0,
    mfaFailuresBefore: 0,
    ...overrides,
  };
}
