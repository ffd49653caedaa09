import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../src/ops/metrics.ts';

const series = async (registry: ReturnType<typeof createMetrics>['registry'], name: string) =>
  (await registry.metrics()).split('\n').find((line) => line.startsWith(`${name} `));

test('vigil_geo_data_age_seconds: data built 46 days ago is 3,974,400 s old', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-23T00:00:00Z') });
  const { registry } = createMetrics({ geoDataBuiltAtMs: () => Date.parse('2026-04-07T00:00:00Z') });
  assert.equal(await series(registry, 'vigil_geo_data_age_seconds'), 'vigil_geo_data_age_seconds 3974400');
});

test('vigil_geo_data_age_seconds is +Inf when the build date is unknown, and absent without GeoIP', async () => {
  const { registry } = createMetrics({ geoDataBuiltAtMs: () => undefined });
  assert.equal(await series(registry, 'vigil_geo_data_age_seconds'), 'vigil_geo_data_age_seconds +Inf');
  assert.equal(await series(createMetrics().registry, 'vigil_geo_data_age_seconds'), undefined);
});
