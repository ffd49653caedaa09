import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePlace, encodePlace } from '../../src/detect/place-code.ts';
import { T, enriched } from './helpers.ts';

const place = { lat: -23.547_81, lon: -46.636_11, accuracyKm: 20, country: 'BR', city: 'São Paulo' };
const saoPaulo = { ...place, source: 'geoip' } as const;

test('a place is kept as lat;lon;accuracy;ip;country;city, to four decimals', () => {
  const code = encodePlace(enriched({ atMs: T, place: saoPaulo, event: { ip: '200.160.2.3' } }));
  assert.equal(code, '-23.5478;-46.6361;20;200.160.2.3;BR;São Paulo');
  assert.deepEqual(decodePlace(code!), { ...place, lat: -23.5478, lon: -46.6361, ip: '200.160.2.3' });
});

test('a sign-in with its event key stays under the 64-byte listpack limit of Redis', () => {
  const code = encodePlace(enriched({ atMs: T, place: saoPaulo, event: { ip: '200.160.2.3' } }));
  assert.equal(Buffer.byteLength(`66uZ5HTeDQc0|${code}`), 59);
});

test('a place without country or city, and one stored as JSON by an earlier release, decode', () => {
  assert.deepEqual(decodePlace('48.8566;2.3522;1000;192.0.2.1;;'), {
    lat: 48.8566,
    lon: 2.3522,
    accuracyKm: 1000,
    ip: '192.0.2.1',
  });
  assert.deepEqual(decodePlace('[48.8566,2.3522,5,"192.0.2.1","FR","Paris"]'), {
    lat: 48.8566,
    lon: 2.3522,
    accuracyKm: 5,
    ip: '192.0.2.1',
    country: 'FR',
    city: 'Paris',
  });
});

test('a separator inside a city name cannot shift the fields', () => {
  const code = encodePlace(
    enriched({ atMs: T, place: { ...saoPaulo, city: 'A;B' }, event: { ip: '192.0.2.1' } }),
  );
  assert.equal(decodePlace(code!).city, 'A B');
});
