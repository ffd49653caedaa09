import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectResourceExploration } from '../../src/detect/resource-exploration.ts';
import type { AccessView } from '../../src/state/store.ts';
import { DAY, T, context, enriched } from './helpers.ts';

const read = enriched({
  atMs: T,
  event: { kind: 'access', action: 'read', resource: '/payroll/keys/7', records: 1 },
});

function view(overrides: Partial<AccessView>): AccessView {
  return {
    kind: 'access',
    duplicate: false,
    firstView: false,
    profile: { firstSeenMs: T - 30 * DAY, logins: 40 },
    windowRecordsBefore: 0,
    windowRecords: 0,
    windowEvents: 0,
    windowPeakBefore: 0,
    baselineRecords: 0,
    baselineSamples: 0,
    windowRequests: 20,
    requestPeakBefore: 19,
    usualRequestsPerHour: 4,
    medianRequestsPerHour: 2,
    baselineHours: 40,
    accessSinceMs: T - 30 * DAY,
    knownResources: 8,
    newResources: 15,
    newResourcesBefore: 14,
    ...overrides,
  };
}

test('the 15th first access within an hour fires once, naming the resource and what was known', () => {
  const signal = detectResourceExploration(context(read), view({}), '/payroll/keys/{id}');
  assert.equal(signal?.type, 'resource_exploration');
  assert.equal(signal.summary, '15 resources never accessed before reached in 60 min (8 known)');
  assert.deepEqual(
    [
      signal.evidence.newResources,
      signal.evidence.threshold,
      signal.evidence.resource,
      signal.evidence.rawResource,
    ],
    [15, 15, '/payroll/keys/{id}', '/payroll/keys/7'],
  );
  assert.equal(
    detectResourceExploration(context(read), view({ newResources: 16, newResourcesBefore: 15 }), 'r'),
    undefined,
  );
  assert.equal(
    detectResourceExploration(context(read), view({ newResources: 14, newResourcesBefore: 13 }), 'r'),
    undefined,
  );
});

test('a user with less than 14 days of access history explores freely', () => {
  assert.equal(
    detectResourceExploration(context(read), view({ accessSinceMs: T - 13 * DAY }), 'r'),
    undefined,
  );
  assert.equal(detectResourceExploration(context(read), view({ accessSinceMs: undefined }), 'r'), undefined);
});
