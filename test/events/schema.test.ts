import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '../../src/events/parse.ts';

const withGeo = (geo: Record<string, unknown>) =>
  parseEvent(
    JSON.stringify({
      event_id: 'e1',
      occurred_at: '2026-03-19T09:45:00Z',
      type: 'login_success',
      user_id: 'dave',
      ip: '177.148.157.16',
      service: 'mobile-app',
      geo: { lat: 51.5, lon: -0.12, ...geo },
    }),
  );

test('geo.accuracy_km up to 1,000 km is accepted; 20,000 km, which would erase any travel, is not', () => {
  assert.equal(withGeo({ accuracy_km: 1000 }).ok, true);
  assert.deepEqual(withGeo({ accuracy_km: 20_000 }), {
    ok: false,
    code: 'invalid',
    reason: 'geo.accuracy_km: Too big: expected number to be <=1000',
  });
});

test('geo.country is an assigned ISO 3166-1 alpha-2 code in capitals: GB yes; gb, UK, XX and EU no', () => {
  assert.equal(withGeo({ country: 'GB' }).ok, true);
  for (const country of ['gb', 'UK', 'XX', 'EU', 'GBR']) {
    assert.deepEqual(withGeo({ country }), {
      ok: false,
      code: 'invalid',
      reason: 'geo.country: expected an assigned ISO 3166-1 alpha-2 code in capitals, e.g. "BR"',
    });
  }
});
