import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceKm } from '../../src/detect/geodesy.ts';
import { detectImpossibleTravel, measureLeg } from '../../src/detect/impossible-travel.ts';
import { encodePlace } from '../../src/detect/place-code.ts';
import { HOUR, NEW_YORK, PARIS, T, authView, context, enriched } from './helpers.ts';

const at = (place: typeof PARIS, atMs: number, ip: string) => ({ ...place, ip, atMs });

test('Paris→New York is 5,837 km', () => {
  assert.equal(Math.round(distanceKm(PARIS, NEW_YORK)), 5837);
});

test('Paris→New York in 1 h is 5,837 km/h', () => {
  const leg = measureLeg(at(PARIS, T, 'a'), at(NEW_YORK, T + HOUR, 'b'));
  assert.equal(Math.round(leg.speedKmh), 5837);
});

test('accuracy radii shrink the distance before the speed: 100 km + 1,000 km off leaves 4,737 km/h', () => {
  const leg = measureLeg(
    at({ ...PARIS, accuracyKm: 100 }, T, 'a'),
    at({ ...NEW_YORK, accuracyKm: 1000 }, T + HOUR, 'b'),
  );
  assert.equal(Math.round(leg.effectiveDistanceKm), 4737);
  assert.equal(Math.round(leg.speedKmh), 4737);
});

test('two sign-ins in the same millisecond divide by one second, not zero', () => {
  const leg = measureLeg(at(PARIS, T, 'a'), at(NEW_YORK, T, 'b'));
  assert.equal(Math.round(leg.speedKmh), 21_014_096);
});

function travel(hereIp: string, thereIp: string, gapMs: number, here = NEW_YORK, there = PARIS) {
  const now = enriched({ atMs: T + gapMs, place: here, event: { ip: hereIp } });
  const before = enriched({ atMs: T, place: there, event: { ip: thereIp } });
  return detectImpossibleTravel(
    context(now),
    authView({ earlier: { atMs: T, place: encodePlace(before)! } }),
    encodePlace(now),
  );
}

test('a sign-in in New York 1 h after Paris is impossible travel, with both places as evidence', () => {
  const signal = travel('198.51.100.2', '198.51.100.1', HOUR);
  assert.equal(signal?.type, 'impossible_travel');
  assert.equal(signal.severity, 'high');
  assert.equal(signal.summary, 'Paris, FR → New York, US: 5,837 km in 1 h, at least 5,837 km/h');
  assert.deepEqual(signal.evidence, {
    from: {
      at: '2026-03-01T09:00:00.000Z',
      ip: '198.51.100.1',
      country: 'FR',
      city: 'Paris',
      lat: 48.8566,
      lon: 2.3522,
      accuracyKm: 0,
      level: 'city',
    },
    to: {
      at: '2026-03-01T10:00:00.000Z',
      ip: '198.51.100.2',
      country: 'US',
      city: 'New York',
      lat: 40.7128,
      lon: -74.006,
      accuracyKm: 0,
      level: 'city',
    },
    distanceKm: 5837.2,
    effectiveDistanceKm: 5837.2,
    basis: 'radii',
    gapSeconds: 3600,
    speedKmh: 5837,
    maxSpeedKmh: 900,
    minDistanceKm: 500,
    geoDataDate: '2023-11-15',
  });
});

test('8 h for Paris→New York is a flight (730 km/h): no signal', () => {
  assert.equal(travel('198.51.100.2', '198.51.100.1', 8 * HOUR), undefined);
});

test('the same address is never travel, whatever the places say', () => {
  assert.equal(travel('198.51.100.1', '198.51.100.1', HOUR), undefined);
});

test('London→Paris (344 km) in 10 min is under the 500 km floor: no signal', () => {
  const london = { ...PARIS, lat: 51.5074, lon: -0.1278, city: 'London', country: 'GB' };
  assert.equal(travel('198.51.100.2', '198.51.100.1', 10 * 60_000, PARIS, london), undefined);
});

test('coarse radii can cancel travel: 3,000 km each way leaves nothing to move', () => {
  const fuzzy = travel(
    '198.51.100.2',
    '198.51.100.1',
    HOUR,
    { ...NEW_YORK, accuracyKm: 3000 },
    { ...PARIS, accuracyKm: 3000 },
  );
  assert.equal(fuzzy, undefined);
});

test('a late event is judged against the sign-in after it too', () => {
  const now = enriched({ atMs: T, place: PARIS, event: { ip: '198.51.100.1' } });
  const after = enriched({ atMs: T + 2 * HOUR, place: NEW_YORK, event: { ip: '198.51.100.2' } });
  const signal = detectImpossibleTravel(
    context(now),
    authView({ later: { atMs: T + 2 * HOUR, place: encodePlace(after)! } }),
    encodePlace(now),
  );
  assert.equal(signal?.evidence.speedKmh, 2919);
  assert.equal((signal?.evidence.from as { city: string }).city, 'Paris');
});

test('without a usable place (private or trusted address) there is no travel', () => {
  const trusted = enriched({ atMs: T + HOUR, place: NEW_YORK, network: 'trusted', placeUsable: false });
  assert.equal(encodePlace(trusted), undefined);
  assert.equal(detectImpossibleTravel(context(trusted), authView(), undefined), undefined);
});

// GeoLite2 places an address it knows only to the country at the country's centre: the United States
// at 37.751, -97.822 (sometimes with a radius of only 50 km), Brazil at -22.8305, -43.2192.
const US_ONLY = {
  lat: 37.751,
  lon: -97.822,
  accuracyKm: 50,
  country: 'US',
  source: 'geoip',
  level: 'country',
} as const;
const BRAZIL_ONLY = {
  lat: -22.8305,
  lon: -43.2192,
  accuracyKm: 1000,
  country: 'BR',
  source: 'geoip',
  level: 'country',
} as const;
const LONDON = { ...PARIS, lat: 51.5164, lon: -0.093, accuracyKm: 20, city: 'London', country: 'GB' };

test('a mobile carrier placing New York at the US centre 30 min later (2,071 km off) is no travel', () => {
  const leg = measureLeg(at(NEW_YORK, T, 'a'), at(US_ONLY, T + HOUR / 2, 'b'));
  assert.equal(Math.round(leg.distanceKm), 2071);
  assert.equal(leg.basis, 'countries');
  assert.equal(leg.effectiveDistanceKm, 0);
  assert.equal(travel('198.51.100.2', '198.51.100.1', HOUR / 2, US_ONLY, NEW_YORK), undefined);
  assert.equal(travel('198.51.100.2', '198.51.100.1', HOUR / 2, NEW_YORK, US_ONLY), undefined);
});

test('two country-level places in one country are never travel, however far their points', () => {
  const west = { ...US_ONLY, lat: 37.751, lon: -122.4 };
  assert.equal(travel('198.51.100.2', '198.51.100.1', 60_000, west, US_ONLY), undefined);
});

test('London → Brazil (country only) in 45 min is impossible travel over the 4,981.5 km between GB and BR', () => {
  const signal = travel('198.51.100.2', '198.51.100.1', 45 * 60_000, BRAZIL_ONLY, LONDON);
  assert.equal(signal?.type, 'impossible_travel');
  assert.equal(signal.severity, 'high');
  assert.equal(
    signal.summary,
    'London, GB → BR: 4,981 km between the countries in 45 min, at least 6,642 km/h',
  );
  assert.equal(signal.evidence.distanceKm, 9274.1);
  assert.equal(signal.evidence.effectiveDistanceKm, 4981.5);
  assert.equal(signal.evidence.basis, 'countries');
  assert.equal((signal.evidence.to as { level: string }).level, 'country');
});

test('a country-level place next door is no travel: Paris → Germany (country only) in 10 min', () => {
  const germany = { ...US_ONLY, lat: 51.2993, lon: 9.491, accuracyKm: 200, country: 'DE' };
  assert.equal(measureLeg(at(PARIS, T, 'a'), at(germany, T + 600_000, 'b')).effectiveDistanceKm, 0);
  assert.equal(travel('198.51.100.2', '198.51.100.1', 10 * 60_000, germany, PARIS), undefined);
});

test('France (country only) → New York in 1 h still is: Clipperton Island is the nearest French land, 1,423 km', () => {
  const france = { ...US_ONLY, lat: 48.8582, lon: 2.3387, accuracyKm: 500, country: 'FR' };
  const signal = travel('198.51.100.2', '198.51.100.1', HOUR, NEW_YORK, france);
  assert.equal(signal?.evidence.effectiveDistanceKm, 1423.3);
  assert.equal(signal.severity, 'medium');
});

test('a country-level place whose country has no known land (EU, or none) proves nothing', () => {
  const europe = { ...US_ONLY, country: 'EU' };
  const { country: _, ...nowhere } = US_ONLY;
  assert.equal(travel('198.51.100.2', '198.51.100.1', 60_000, europe, NEW_YORK), undefined);
  assert.equal(travel('198.51.100.2', '198.51.100.1', 60_000, nowhere, PARIS), undefined);
});
