import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectBulkDownload } from '../../src/detect/bulk-download.ts';
import type { AccessView } from '../../src/state/store.ts';
import { DAY, HOUR, NEW_YORK, T, context, enriched } from './helpers.ts';

const exportEvent = enriched({
  atMs: T,
  place: NEW_YORK,
  device: { key: 'id:laptop', source: 'device_id' },
  event: { kind: 'access', action: 'export', resource: 'crm/contacts', records: 600 },
});
const known = { firstMs: T - 60 * DAY, lastMs: T - HOUR };

function view(overrides: Partial<AccessView>): AccessView {
  return {
    kind: 'access',
    duplicate: false,
    firstView: false,
    profile: { firstSeenMs: T - 30 * DAY, logins: 40 },
    windowRecordsBefore: 0,
    windowRecords: 0,
    windowEvents: 1,
    windowPeakBefore: 0,
    baselineRecords: 0,
    baselineSamples: 0,
    windowRequests: 1,
    requestPeakBefore: 0,
    usualRequestsPerHour: 0,
    medianRequestsPerHour: 0,
    baselineHours: 0,
    knownResources: 0,
    newResources: 0,
    newResourcesBefore: 0,
    device: known,
    country: known,
    ...overrides,
  };
}

test('crossing 1,000 records in the window fires once, with the counts', () => {
  const signal = detectBulkDownload(
    context(exportEvent),
    view({ windowRecordsBefore: 500, windowRecords: 1100, windowEvents: 2 }),
  );
  assert.equal(signal?.severity, 'high');
  assert.equal(signal.score, 0.7);
  assert.equal(signal.summary, '1,100 records in 10 min (threshold 1,000)');
  assert.deepEqual(
    [
      signal.evidence.records,
      signal.evidence.recordsBefore,
      signal.evidence.events,
      signal.evidence.rule,
      signal.evidence.lastResource,
    ],
    [1100, 500, 2, 'absolute', 'crm/contacts'],
  );
});

test('999 records is under the threshold; an export after crossing adds no second alert', () => {
  assert.equal(detectBulkDownload(context(exportEvent), view({ windowRecords: 999 })), undefined);
  assert.equal(
    detectBulkDownload(
      context(exportEvent),
      view({ windowRecordsBefore: 1100, windowRecords: 1700, windowPeakBefore: 1100 }),
    ),
    undefined,
  );
});

test('a slow export that keeps the window over 1,000 as old records leave it is one episode, one alert', () => {
  // 150 records a minute: the window holds 1,050, drops to 900 as the oldest export leaves, and this
  // export takes it back to 1,050. The window ending at the previous export was already over.
  const slow = view({
    windowRecordsBefore: 900,
    windowRecords: 1050,
    windowEvents: 7,
    windowPeakBefore: 1050,
  });
  assert.equal(detectBulkDownload(context(exportEvent), slow), undefined);
  const afterQuietWindow = view({ windowRecordsBefore: 900, windowRecords: 1050, windowPeakBefore: 900 });
  assert.equal(detectBulkDownload(context(exportEvent), afterQuietWindow)?.evidence.records, 1050);
});

test("ten times the user's own baseline fires below the absolute threshold", () => {
  const signal = detectBulkDownload(
    context(exportEvent),
    view({ windowRecords: 600, baselineRecords: 40, baselineSamples: 12 }),
  );
  assert.equal(signal?.evidence.rule, 'baseline');
  assert.equal(signal.evidence.threshold, 400);
  assert.equal(signal.summary, '600 records in 10 min (baseline 40)');
});

test('the baseline rule waits for 5 earlier windows and never fires under 200 records', () => {
  assert.equal(
    detectBulkDownload(
      context(exportEvent),
      view({ windowRecords: 600, baselineRecords: 40, baselineSamples: 4 }),
    ),
    undefined,
  );
  assert.equal(
    detectBulkDownload(
      context(exportEvent),
      view({ windowRecords: 150, baselineRecords: 5, baselineSamples: 50 }),
    ),
    undefined,
  );
});

test('a bulk download from a device first seen an hour ago is critical', () => {
  const signal = detectBulkDownload(
    context(exportEvent),
    view({ windowRecords: 1200, device: { firstMs: T - HOUR, lastMs: T - HOUR } }),
  );
  assert.equal(signal?.severity, 'critical');
  assert.equal(signal.score, 0.9);
  assert.deepEqual(signal.evidence.aggravating, ['new_device']);
  assert.equal(signal.summary, '1,200 records in 10 min (threshold 1,000) from a new device');
});
