import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectRequestRate } from '../../src/detect/request-rate.ts';
import type { AccessView } from '../../src/state/store.ts';
import { DAY, T, context, enriched } from './helpers.ts';

const read = enriched({
  atMs: T,
  event: { kind: 'access', action: 'read', resource: 'crm/contacts/12', records: 1 },
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
    windowRequests: 150,
    requestPeakBefore: 149,
    usualRequestsPerHour: 4,
    medianRequestsPerHour: 2,
    baselineHours: 40,
    accessSinceMs: T - 30 * DAY,
    knownResources: 6,
    newResources: 0,
    newResourcesBefore: 0,
    ...overrides,
  };
}

test('150 requests in an hour from a user who usually makes 4 crosses the floor of 150 once, with the rates', () => {
  const signal = detectRequestRate(context(read), view({}));
  assert.equal(signal?.type, 'unusual_request_rate');
  assert.equal(signal.score, 0.5);
  assert.equal(signal.summary, '150 requests in 60 min (usually 4 an hour, limit 150)');
  assert.deepEqual(
    [
      signal.evidence.requests,
      signal.evidence.usualRequestsPerHour,
      signal.evidence.threshold,
      signal.evidence.rule,
    ],
    [150, 4, 150, 'baseline'],
  );
  // The window was already over: no second alert.
  assert.equal(
    detectRequestRate(context(read), view({ windowRequests: 151, requestPeakBefore: 150 })),
    undefined,
  );
});

test('a heavy user is judged by five times their own rate: 200 an hour is usual for one at 45', () => {
  assert.equal(
    detectRequestRate(
      context(read),
      view({ usualRequestsPerHour: 45, windowRequests: 200, requestPeakBefore: 199 }),
    ),
    undefined,
  );
  const signal = detectRequestRate(
    context(read),
    view({ usualRequestsPerHour: 45, windowRequests: 225, requestPeakBefore: 224 }),
  );
  assert.equal(signal?.evidence.threshold, 225);
});

test('a user with fewer than 8 active hours, or learning, is held only to the ceiling of 1,500', () => {
  assert.equal(detectRequestRate(context(read), view({ baselineHours: 7 })), undefined);
  assert.equal(
    detectRequestRate(context(read), view({ profile: { firstSeenMs: T - DAY, logins: 2 } })),
    undefined,
  );
  const signal = detectRequestRate(
    context(read),
    view({ baselineHours: 0, windowRequests: 1500, requestPeakBefore: 1499 }),
  );
  assert.deepEqual([signal?.severity, signal?.score, signal?.evidence.rule], ['high', 0.6, 'ceiling']);
});
