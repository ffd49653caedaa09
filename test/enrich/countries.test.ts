import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COUNTRY_CODES, countryBoxes } from '../../src/enrich/countries.ts';
import { countryBoxesModule } from './make-country-boxes.ts';

test('the shipped country boxes are the ones derived from country-coder (node test/enrich/make-country-boxes.ts)', () => {
  const shipped = readFileSync(new URL('../../src/enrich/country-boxes.ts', import.meta.url), 'utf8');
  assert.equal(shipped, countryBoxesModule());
});

test('every officially assigned ISO 3166-1 alpha-2 code has boxes: 249, AD to ZW', () => {
  assert.equal(COUNTRY_CODES.length, 249);
  assert.equal(COUNTRY_CODES[0], 'AD');
  assert.equal(COUNTRY_CODES.at(-1), 'ZW');
  assert.ok(COUNTRY_CODES.every((code) => /^[A-Z]{2}$/.test(code)));
  assert.equal(countryBoxes('EU'), undefined);
  assert.equal(countryBoxes('UK'), undefined);
});

test('a country in separate parts has a box for each: the US is Hawaii, the 48 states and Alaska', () => {
  assert.deepEqual(countryBoxes('US'), [
    [9.5, -179.5, 45.6, -151.6],
    [24, -134, 49.4, -61.9],
    [50.8, 169.3, 84.4, -129.9],
  ]);
  assert.deepEqual(countryBoxes('BR'), [[-34.1, -74, 5.3, -28.3]]);
});
