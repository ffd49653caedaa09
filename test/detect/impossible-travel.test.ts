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
    },
    to: {
      at: '2026-03-01T10:00:00.000Z',
      ip: '198.51.100.2',
      country: 'US',
      city: 'New York',
      lat: 40.7128,
      lon: -74.006,
      accuracyKm: 0,
    },
    distanceKm: 5837.2,
    effectiveDistanceKm: 5837.2,
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
