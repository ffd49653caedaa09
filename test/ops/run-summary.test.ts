import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/ops/logger.ts';
import { createMetrics, type MetricTotals } from '../../src/ops/metrics.ts';
import { describeSummary, logProgress, NO_TOTALS, summarize } from '../../src/ops/run-summary.ts';

const totals = (overrides: Partial<MetricTotals>): MetricTotals => ({ ...NO_TOTALS, ...overrides });

test('a minute of 24,750 events is 412.5 events/s, with what changed and the slowest stage', () => {
  const before = totals({
    consumed: 1_000,
    signals: { new_device: 4, impossible_travel: 1, brute_force: 0 },
    decisions: { allow: 3, step_up: 1, revoke_sessions: 0 },
    deadLetters: { malformed: 2, invalid: 0 },
    lag: { 'vigil.auth-events': 900 },
    stages: { state: { seconds: 10, batches: 100 }, kafka: { seconds: 2, batches: 100 } },
  });
  const after = totals({
    consumed: 25_750,
    signals: { new_device: 9, impossible_travel: 2, brute_force: 0 },
    decisions: { allow: 5, step_up: 4, revoke_sessions: 1 },
    deadLetters: { malformed: 2, invalid: 3 },
    lag: { 'vigil.auth-events': 12, 'vigil.access-events': 3 },
    // 50 batches: state took 1.5 s (30 ms a batch), kafka 2.05 s (41 ms a batch)
    stages: { state: { seconds: 11.5, batches: 150 }, kafka: { seconds: 4.05, batches: 150 } },
  });
  const summary = summarize(before, after, 60_000);
  assert.deepEqual(summary, {
    intervalS: 60,
    events: 24_750,
    eventsPerSecond: 412.5,
    lag: 15,
    lagByTopic: { 'vigil.auth-events': 12, 'vigil.access-events': 3 },
    signals: 6,
    signalsByType: { new_device: 5, impossible_travel: 1 },
    decisions: { allow: 2, step_up: 3, revoke_sessions: 1 },
    deadLetters: 3,
    deadLettersByReason: { invalid: 3 },
    slowestStage: 'kafka',
    slowestStageMsPerBatch: 41,
  });
  assert.equal(
    describeSummary(summary),
    '412.5 events/s, lag 15, 6 signals, decisions: allow 2, step_up 3, revoke_sessions 1, 3 dead letters, ' +
      'slowest stage kafka (41 ms a batch)',
  );
});

test('an idle interval says so: 0 events/s and no batch', () => {
  const idle = totals({ consumed: 7, decisions: { allow: 1 } });
  const summary = summarize(idle, idle, 60_000);
  assert.equal(summary.slowestStage, undefined);
  assert.equal(
    describeSummary(summary),
    '0 events/s, lag 0, 0 signals, decisions: allow 0, 0 dead letters, no batch',
  );
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('vigil run logs one progress line per interval from the metrics it keeps', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const { lines, logger } = capture();
  const { metrics, totals: read } = createMetrics();
  const stop = logProgress({ intervalMs: 30_000, totals: read, logger });
  t.after(stop);
  metrics.consumed('vigil.auth-events', 600);
  metrics.signal('new_country');
  metrics.decision('step_up');
  metrics.stageSeconds('state', 0.012);
  t.mock.timers.tick(29_999);
  await settle();
  assert.equal(lines.length, 0);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(lines.length, 1);
  assert.equal(
    lines[0]!.msg,
    '20 events/s, lag 0, 1 signal, decisions: allow 0, step_up 1, revoke_sessions 0, 0 dead letters, ' +
      'slowest stage state (12 ms a batch)',
  );
  assert.equal(lines[0]!.events, 600);
  assert.deepEqual(lines[0]!.signalsByType, { new_country: 1 });
  metrics.consumed('vigil.auth-events', 30);
  t.mock.timers.tick(30_000);
  await settle();
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.eventsPerSecond, 1);
  assert.equal(lines[1]!.slowestStage, undefined, 'no batch ran in the second interval');
});

test('a progress interval of 0 logs nothing', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  const { lines, logger } = capture();
  const stop = logProgress({ intervalMs: 0, totals: createMetrics().totals, logger });
  t.after(stop);
  t.mock.timers.tick(3_600_000);
  await settle();
  assert.equal(lines.length, 0);
});
