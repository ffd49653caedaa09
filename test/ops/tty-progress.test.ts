import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { formatElapsed, TtyProgress } from '../../src/ops/tty-progress.ts';

const CLEAR = '\r\u001b[K';

/** A stream that records what it was given, and says it is a terminal or not. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (text: string) => writes.push(text) > 0 } };
}

function fakeClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
}

test('on a terminal, one line redrawn in place: 12,000 events in 2 s is 6,000 events/s', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true);
  const progress = new TtyProgress(stream, { intervalMs: 1000 });
  progress.start({ label: 'replay', unit: 'events' });
  progress.update(5_000);
  t.mock.timers.tick(1000);
  progress.update(12_000);
  t.mock.timers.tick(1000);
  progress.end();
  assert.deepEqual(writes, [
    `${CLEAR}replay: 5,000 events, 5,000 events/s, 1.0 s`,
    `${CLEAR}replay: 12,000 events, 6,000 events/s, 2.0 s`,
    CLEAR,
  ]);
});

test('piped, nothing is drawn and notes are plain lines', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(false);
  const progress = new TtyProgress(stream, { intervalMs: 100 });
  progress.start({ label: 'replay', unit: 'events' });
  progress.update(10);
  t.mock.timers.tick(1000);
  progress.note('line 3: rejected (malformed)');
  progress.around({ write: () => true }).write('{"msg":"log"}\n');
  progress.end({ keep: true });
  assert.equal(progress.active, false);
  assert.deepEqual(writes, ['line 3: rejected (malformed)\n']);
});

test('a task shorter than the delay leaves no trace; a longer one is drawn once past it', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true);
  const progress = new TtyProgress(stream, { intervalMs: 500, delayMs: 1000 });
  progress.start({ label: 'replay', unit: 'events' });
  t.mock.timers.tick(500);
  assert.deepEqual(writes, []);
  progress.update(300);
  t.mock.timers.tick(500);
  progress.end();
  assert.deepEqual(writes, [`${CLEAR}replay: 300 events, 300 events/s, 1.0 s`, CLEAR]);
});

test('a total gives a percentage; a fraction read stands in when the total is in another unit', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true);
  const progress = new TtyProgress(stream, { intervalMs: 4000 });
  progress.start({ label: 'producing to Kafka', unit: 'events', total: 115_432 });
  progress.update(50_000);
  t.mock.timers.tick(4000);
  progress.start({ label: 'replay', unit: 'events' });
  progress.update(7_000, { fraction: 0.246 });
  t.mock.timers.tick(4000);
  assert.deepEqual(writes, [
    `${CLEAR}producing to Kafka: 50,000 of 115,432 events (43 %), 12,500 events/s, 4.0 s`,
    `${CLEAR}replay: 7,000 events, 24 % read, 1,750 events/s, 4.0 s`,
  ]);
  progress.end();
});

test('steps without a rate, renamed as they go, and the last count kept on end', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true);
  const progress = new TtyProgress(stream, { intervalMs: 1500 });
  progress.start({ label: 'setup: Kafka topics', unit: 'steps', total: 4, rate: false });
  t.mock.timers.tick(1500);
  progress.update(1, { label: 'setup: index templates' });
  t.mock.timers.tick(1500);
  progress.update(4);
  progress.end({ keep: true });
  assert.deepEqual(writes, [
    `${CLEAR}setup: Kafka topics: 0 of 4 steps (0 %), 1.5 s`,
    `${CLEAR}setup: index templates: 1 of 4 steps (25 %), 3.0 s`,
    `${CLEAR}setup: index templates: 4 of 4 steps (100 %), 3.0 s\n`,
  ]);
});

test('notes and log lines are printed whole above the line, which is redrawn after them', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true);
  const logs: string[] = [];
  const progress = new TtyProgress(stream, { intervalMs: 1000 });
  progress.start({ label: 'bench', unit: 'events' });
  progress.update(2000);
  t.mock.timers.tick(1000);
  progress.note('raw consumer');
  progress
    .around({ write: (text: string) => writes.push(`[log] ${text}`) && logs.push(text) })
    .write('{"msg":"ready"}\n');
  progress.end();
  const line = `${CLEAR}bench: 2,000 events, 2,000 events/s, 1.0 s`;
  assert.deepEqual(writes, [
    line,
    CLEAR,
    'raw consumer\n',
    line,
    CLEAR,
    '[log] {"msg":"ready"}\n',
    line,
    CLEAR,
  ]);
  assert.deepEqual(logs, ['{"msg":"ready"}\n']);
});

test('a line wider than the terminal is cut to fit, so it never wraps', (t) => {
  fakeClock(t);
  const { writes, stream } = fakeStream(true, 20);
  const progress = new TtyProgress(stream, { intervalMs: 1000 });
  progress.start({ label: 'replay', unit: 'events' });
  progress.update(123_456);
  t.mock.timers.tick(1000);
  progress.end();
  assert.equal(writes[0], `${CLEAR}replay: 123,456 ev…`);
  assert.equal(writes[0]!.length - CLEAR.length, 19);
});

test('elapsed time: 4.2 s under a minute, 3 min 07 s above', () => {
  assert.deepEqual([formatElapsed(4_249), formatElapsed(187_900)], ['4.2 s', '3 min 07 s']);
});
