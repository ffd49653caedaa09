import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePlace, encodePlace } from '../../src/detect/place-code.ts';
import { T, enriched } from './helpers.ts';

const place = { lat: -23.547_81, lon: -46.636_11, accuracyKm: 20, country: 'BR', city: 'São Paulo' };
const saoPaulo = { ...place, source: 'geoip', level: 'city' } as const;
const brazil = { lat: -22.8305, lon: -43.2192, accuracyKm: 1000, country: 'BR', source: 'geoip' } as const;

test('a place is kept as lat;lon;accuracy;ip;country;city;level, to four decimals', () => {
  const code = encodePlace(enriched({ atMs: T, place: saoPaulo, event: { ip: '200.160.2.3' } }));
  assert.equal(code, '-23.5478;-46.6361;20;200.160.2.3;BR;São Paulo;');
  assert.deepEqual(decodePlace(code!), {
    ...place,
    lat: -23.5478,
    lon: -46.6361,
    ip: '200.160.2.3',
    level: 'city',
  });
});

test('a place known only to its country is marked c, and decodes as country-level', () => {
  const code = encodePlace(
    enriched({ atMs: T, place: { ...brazil, level: 'country' }, event: { ip: '179.76.200.34' } }),
  );
  assert.equal(code, '-22.8305;-43.2192;1000;179.76.200.34;BR;;c');
  assert.deepEqual(decodePlace(code!), {
    lat: -22.8305,
    lon: -43.2192,
    accuracyKm: 1000,
    ip: '179.76.200.34',
    country: 'BR',
    level: 'country',
  });
});

test("an emitter's coordinates without a city stay city-level", () => {
  const code = encodePlace(
    enriched({ atMs: T, place: { ...brazil, accuracyKm: 5, source: 'emitter', level: 'city' } }),
  );
  assert.equal(code, '-22.8305;-43.2192;5;198.51.100.7;BR;;');
  assert.equal(decodePlace(code!).level, 'city');
});

test('a sign-in with its event key stays under the 64-byte listpack limit of Redis', () => {
  const code = encodePlace(enriched({ atMs: T, place: saoPaulo, event: { ip: '200.160.2.3' } }));
  assert.equal(Buffer.byteLength(`66uZ5HTeDQc0|${code}`), 60);
});

test('places stored by earlier releases (no level, or JSON) decode; no city there meant country-level', () => {
  assert.deepEqual(decodePlace('48.8566;2.3522;1000;192.0.2.1;FR;'), {
    lat: 48.8566,
    lon: 2.3522,
    accuracyKm: 1000,
    ip: '192.0.2.1',
    country: 'FR',
    level: 'country',
  });
  assert.deepEqual(decodePlace('[48.8566,2.3522,5,"192.0.2.1","FR","Paris"]'), {
    lat: 48.8566,
    lon: 2.3522,
    accuracyKm: 5,
    ip: '192.0.2.1',
    country: 'FR',
    city: 'Paris',
    level: 'city',
  });
});

test('a separator inside a city name cannot shift the fields', () => {
  const code = encodePlace(
    enriched({ atMs: T, place: { ...saoPaulo, city: 'A;B' }, event: { ip: '192.0.2.1' } }),
  );
  assert.equal(decodePlace(code!).city, 'A B');
  assert.equal(decodePlace(code!).level, 'city');
});
