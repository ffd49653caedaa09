import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const VIGIL = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;
const DAY = 86_400_000;

async function simulated(args: string[]) {
  const { stdout } = await run(
    process.execPath,
    [VIGIL, 'simulate', '--users', '5', '--attacks', '0', ...args],
    {
      cwd: tmpdir(),
      maxBuffer: 16 << 20,
    },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { occurred_at: string });
}

test('vigil simulate without --start writes the 16 days ending as yesterday begins, all in the past', async () => {
  const before = Date.now();
  const events = await simulated(['--days', '16']);
  const today = Math.floor(before / DAY) * DAY;
  const first = Date.parse(events[0]!.occurred_at);
  const last = Date.parse(events.at(-1)!.occurred_at);
  // The first day starts 17 days before today's midnight; its sign-ins in zones east of UTC a few hours
  // earlier, and a weekend at the start (nobody works) delays the first by up to two days.
  assert.ok(first >= today - 17 * DAY - 12 * 3_600_000, events[0]!.occurred_at);
  assert.ok(first < today - 14 * DAY, events[0]!.occurred_at);
  assert.ok(last < Date.now(), `${events.at(-1)!.occurred_at} is ahead of the clock`);
});

test('vigil simulate --start 2026-03-02 writes March 2026, as before', async () => {
  const events = await simulated(['--days', '16', '--start', '2026-03-02T00:00:00Z']);
  assert.match(events[0]!.occurred_at, /^2026-03-0[12]T/);
  assert.match(events.at(-1)!.occurred_at, /^2026-03-1[78]T/);
});
