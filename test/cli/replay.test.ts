import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const vigil = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;
const sample = new URL('../fixtures/sample.ndjson', import.meta.url).pathname;

test('the demo finds the six planted incidents in the sample and nothing else', async () => {
  const { stdout, stderr } = await run(process.execPath, [vigil, 'replay', sample], { maxBuffer: 16 << 20 });
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const line of lines) {
    for (const field of ['kind', 'event_id', 'user_id', 'occurred_at', 'score', 'evidence'])
      assert.ok(field in line, `${field} missing`);
  }
  assert.deepEqual(
    lines.map((line) => `${line.user_id} ${line.kind} ${line.type ?? line.action}`),
    [
      'dave signal impossible_travel',
      'dave signal new_device',
      'dave signal new_country',
      'dave decision revoke_sessions',
      'erin signal bulk_download',
      'erin decision step_up',
      'grace signal brute_force',
      'grace decision step_up',
      'frank signal new_device',
      'frank signal new_country',
      'frank decision step_up',
      'frank signal bulk_download',
      'frank decision revoke_sessions',
      'heidi signal mfa_fatigue',
      'heidi decision step_up',
      'wendy signal password_spray',
      'wendy decision step_up',
    ],
  );
  const travel = lines[0]!.evidence as Record<string, unknown>;
  assert.deepEqual([travel.distanceKm, travel.gapSeconds, travel.speedKmh], [9508.1, 2700, 12644]);
  assert.match(stderr, /^events 2592 \(rejected 0, duplicates 1\)$/m);
  assert.match(stderr, /^ {2}revoke_sessions +2$/m);
});

test('replay reads standard input and reports rejected lines with their number and reason', async () => {
  const events = readFileSync(sample, 'utf8').split('\n').slice(0, 3).join('\n');
  const child = run(process.execPath, [vigil, 'replay', '-'], {});
  child.child.stdin!.end(`${events}\n{"event_id":"x","type":"login_success"}\nnot json\n`);
  const { stdout, stderr } = await child;
  assert.equal(stdout, '');
  assert.match(stderr, /^line 4: rejected: occurred_at: /m);
  assert.match(stderr, /^line 5: rejected: malformed JSON: /m);
  assert.match(stderr, /^events 5 \(rejected 2, duplicates 0\)$/m);
});

test('simulate | replay | evaluate runs as a pipeline and finds every attack kind', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sim-'));
  try {
    const truth = join(dir, 'truth.ndjson');
    const shell = `"${process.execPath}" "${vigil}"`;
    const { stdout } = await promisify(execFile)(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `${shell} simulate --users 200 --days 18 --attacks 2 --truth ${truth} | ${shell} replay --quiet - | ${shell} evaluate --truth ${truth} --json`,
      ],
      {
        env: { ...process.env, VIGIL_TRUSTED_NETWORKS: '81.4.109.0/24,38.124.103.0/24' },
        maxBuffer: 16 << 20,
      },
    );
    const result = JSON.parse(stdout) as {
      attackKinds: Record<string, { recall: number }>;
      falseRevocationsPer10000UsersPerDay: number;
    };
    assert.equal(Object.keys(result.attackKinds).length, 8);
    for (const [kind, { recall }] of Object.entries(result.attackKinds)) assert.equal(recall, 1, kind);
    assert.equal(result.falseRevocationsPer10000UsersPerDay, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
