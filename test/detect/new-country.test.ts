import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectNewCountry } from '../../src/detect/new-country.ts';
import { DAY, NEW_YORK, T, authView, context, enriched } from './helpers.ts';

const login = enriched({ atMs: T, place: NEW_YORK });

test('a first sign-in from a country lists the countries known before', () => {
  const signal = detectNewCountry(context(login), authView({ knownCountries: ['FR', 'GB'] }), 'US');
  assert.equal(signal?.summary, 'first sign-in from US (known: FR, GB)');
  assert.deepEqual(signal.evidence.knownCountries, ['FR', 'GB']);
});

test('a country seen within the retention period is not new', () => {
  assert.equal(
    detectNewCountry(context(login), authView({ country: { firstMs: T - 40 * DAY, lastMs: T - DAY } }), 'US'),
    undefined,
  );
});

test('no new-country alert while learning, or without a usable country', () => {
  assert.equal(
    detectNewCountry(context(login), authView({ profile: { firstSeenMs: T, logins: 1 } }), 'US'),
    undefined,
  );
  assert.equal(detectNewCountry(context(login), authView(), undefined), undefined);
});
