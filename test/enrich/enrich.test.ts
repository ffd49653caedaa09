import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { detectSchema } from '../../src/config/schema.ts';
import { detectImpossibleTravel } from '../../src/detect/impossible-travel.ts';
import { encodePlace } from '../../src/detect/place-code.ts';
import { Enricher } from '../../src/enrich/enrich.ts';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { NetworkClassifier } from '../../src/enrich/networks.ts';
import type { VigilEvent } from '../../src/events/index.ts';
import { parseEvent } from '../../src/events/parse.ts';

const geo = GeoLocator.load();
const settings = detectSchema.parse({});
const LONDON_IP = '109.123.120.149';
const SAO_PAULO_IP = '177.148.157.16';
const HOME = { lat: 51.5, lon: -0.12, accuracy_km: 5, country: 'GB', city: 'London' };

function signIn(at: string, ip: string, extra: Record<string, unknown> = {}): VigilEvent {
  const parsed = parseEvent(
    JSON.stringify({ event_id: at, occurred_at: at, type: 'login_success', user_id: 'dave', ip, ...extra }),
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  return parsed.event;
}

/** The travel signal for a sign-in in London, then one in São Paulo 45 minutes later. */
function londonThenSaoPaulo(enricher: Enricher, saoPaulo: Record<string, unknown>) {
  const before = enricher.enrich(signIn('2026-03-19T09:00:00Z', LONDON_IP));
  const now = enricher.enrich(signIn('2026-03-19T09:45:00Z', SAO_PAULO_IP, saoPaulo));
  return {
    place: now.place,
    signal: detectImpossibleTravel(
      { enriched: now, settings, geoDataDate: undefined },
      {
        kind: 'auth',
        duplicate: false,
        firstView: false,
        profile: { firstSeenMs: 0, logins: 40 },
        knownCountries: ['GB'],
        knownDevices: 1,
        loginFailures: 0,
        mfaFailures: 0,
        loginFailuresBefore: 0,
        mfaFailuresBefore: 0,
        earlier: { atMs: before.atMs, place: encodePlace(before)! },
      },
      encodePlace(now),
    ),
  };
}

test('a client claiming to be at home cannot hide a São Paulo sign-in: its geo is ignored by default', () => {
  const enricher = new Enricher(geo, new NetworkClassifier());
  const { place, signal } = londonThenSaoPaulo(enricher, { service: 'mobile-app', geo: HOME });
  assert.equal(place?.source, 'geoip');
  assert.equal(place?.city, 'São Paulo');
  assert.equal(signal?.type, 'impossible_travel');
  assert.equal(signal.evidence.speedKmh, 12_383);
});

test("a trusted emitter's geo replaces the address's location; another service's does not", () => {
  const enricher = new Enricher(geo, new NetworkClassifier(), { trustedGeoServices: ['mobile-app'] });
  const trusted = londonThenSaoPaulo(enricher, { service: 'mobile-app', geo: HOME });
  assert.deepEqual(trusted.place, {
    lat: 51.5,
    lon: -0.12,
    accuracyKm: 5,
    country: 'GB',
    city: 'London',
    source: 'emitter',
    level: 'city',
  });
  assert.equal(trusted.signal, undefined);
  const other = londonThenSaoPaulo(enricher, { service: 'web', geo: HOME });
  assert.equal(other.place?.source, 'geoip');
  assert.equal(other.signal?.type, 'impossible_travel');
  const unnamed = londonThenSaoPaulo(enricher, { geo: HOME });
  assert.equal(unnamed.place?.source, 'geoip');
});

test('VIGIL_TRUSTED_GEO_SERVICES is a comma-separated list, empty by default', () => {
  assert.deepEqual(loadConfig({ env: {} }).trustedGeoServices, []);
  assert.deepEqual(
    loadConfig({ env: { VIGIL_TRUSTED_GEO_SERVICES: 'mobile-app, badge-reader' } }).trustedGeoServices,
    ['mobile-app', 'badge-reader'],
  );
});
