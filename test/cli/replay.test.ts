import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const vigil = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;
const sample = new URL('../fixtures/sample.ndjson', import.meta.url).pathname;

test('the demo finds the eight planted incidents in the sample and nothing else', async () => {
  const { stdout, stderr } = await run(process.execPath, [vigil, 'replay', '--as-of', 'newest', sample], {
    maxBuffer: 16 << 20,
  });
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
      'ivan signal unusual_request_rate',
      'ivan decision step_up',
      'judy signal resource_exploration',
      'judy decision step_up',
    ],
  );
  const travel = lines[0]!.evidence as Record<string, unknown>;
  assert.deepEqual([travel.distanceKm, travel.gapSeconds, travel.speedKmh], [9508.1, 2700, 12644]);
  assert.match(stderr, /^events 3012 \(rejected 0, duplicates 1\)$/m);
  assert.match(stderr, /^ {2}revoke_sessions +2$/m);
  // Piped, no progress line: nothing redrawn, no escape sequence.
  assert.doesNotMatch(stderr, /[\r\u001b]/);
});

test('replay reads standard input and reports rejected lines with their number and reason', async () => {
  const events = readFileSync(sample, 'utf8').split('\n').slice(0, 3).join('\n');
  const child = run(process.execPath, [vigil, 'replay', '--as-of', 'newest', '-'], {});
  child.child.stdin!.end(`${events}\n{"event_id":"x","type":"login_success"}\nnot json\n`);
  const { stdout, stderr } = await child;
  assert.equal(stdout, '');
  assert.match(stderr, /^line 4: rejected \(invalid\): occurred_at: /m);
  assert.match(stderr, /^line 5: rejected \(malformed\): malformed JSON: /m);
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
        `${shell} simulate --users 200 --days 18 --attacks 2 --truth ${truth} | ${shell} replay --as-of newest --quiet - | ${shell} evaluate --truth ${truth} --json`,
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
    assert.equal(Object.keys(result.attackKinds).length, 10);
    for (const [kind, { recall }] of Object.entries(result.attackKinds)) assert.equal(recall, 1, kind);
    assert.equal(result.falseRevocationsPer10000UsersPerDay, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing input file is one line on stderr and exit status 2', async () => {
  const missing = '/nonexistent/events.ndjson';
  const result = await run(process.execPath, [vigil, 'replay', missing]).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.deepEqual(
    { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr },
    { code: 2, stdout: '', stderr: `vigil replay: cannot read ${missing}: no such file\n` },
  );
});

test('a byte order mark before the first event is skipped, not rejected', async () => {
  const events = readFileSync(sample, 'utf8').split('\n').slice(0, 3).join('\n');
  const child = run(process.execPath, [vigil, 'replay', '--as-of', 'newest', '-'], {});
  child.child.stdin!.end(`\uFEFF${events}\n`);
  const { stderr } = await child;
  assert.equal(stderr.split('\n')[0], 'events 3 (rejected 0, duplicates 0)');
});

test('a reader that closes the pipe early (| head -1) ends replay quietly with status 0', async () => {
  const child = spawn(process.execPath, [vigil, 'replay', '--as-of', 'newest', sample], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Nobody will read: the first write fails with EPIPE, as after `head` has taken its line and left.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'close')) as [number];
  assert.deepEqual({ status, stderr }, { status: 0, stderr: '' });
});

test('control characters from the input are printed escaped in the rejection lines', async () => {
  const child = run(process.execPath, [vigil, 'replay', '--as-of', 'newest', '--quiet', '-'], {});
  child.child.stdin!.end('not json \u001b[2J\u001b]0;owned\u0007\n');
  const { stderr } = await child;
  assert.equal(
    stderr,
    'line 1: rejected (malformed): malformed JSON: Unexpected token \'o\', "not json \\u001b["... is not valid JSON\n',
  );
});

/**
 * Runs vigil on a terminal of its own (util-linux `script` gives it a pseudo-terminal), where stdout and
 * stderr both land, and returns what the terminal shows.
 */
async function onTerminal(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const command = [process.execPath, vigil, ...args].map((arg) => `'${arg}'`).join(' ');
  const { stdout } = await run('script', ['-qec', command, '/dev/null'], {
    // As a person's terminal: no CI variable, which makes Node assume a terminal without colours.
    env: {
      ...process.env,
      TERM: 'xterm-256color',
      CI: undefined,
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
      NODE_DISABLE_COLORS: undefined,
      ...env,
    },
    maxBuffer: 16 << 20,
  });
  // What the terminal shows: a line redrawn after a carriage return keeps only its last drawing.
  return stdout
    .replaceAll('\r\n', '\n')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1).replaceAll('\u001b[K', ''))
    .join('\n');
}

const SGR = /\u001b\[[0-9;]*m/;

test('on a terminal, replay prints the incident view in colour, and without colour under NO_COLOR', async () => {
  const [coloured, plain] = await Promise.all([
    onTerminal(['replay', '--as-of', 'newest', sample], {}),
    onTerminal(['replay', '--as-of', 'newest', sample], { NO_COLOR: '1' }),
  ]);
  assert.ok(coloured.includes('\u001b[1mdave\u001b[22m\n'), coloured);
  assert.match(coloured, /\u001b\[1m\u001b\[31mrevoke sessions\u001b\[39m\u001b\[22m, risk 0\.94/);
  assert.doesNotMatch(plain, SGR);
  assert.match(plain, /^9 decisions for 8 users: 2 revoke sessions, 7 step up$/m);
  assert.match(plain, /^ {6}from London, United Kingdom {2}80\.47\.7\.180 {5}2026-03-19 09:00:00 UTC$/m);
  assert.match(plain, /^events 3012 \(rejected 0, duplicates 1\)$/m);
  assert.doesNotMatch(plain, /"kind":/);
});

test('on a terminal, --format ndjson prints the NDJSON lines a pipe gets', async () => {
  const [terminal, piped] = await Promise.all([
    onTerminal(['replay', '--as-of', 'newest', '--quiet', '--format', 'ndjson', sample], {}),
    run(process.execPath, [vigil, 'replay', '--as-of', 'newest', sample], { maxBuffer: 16 << 20 }),
  ]);
  assert.equal(terminal, piped.stdout);
});

test('piped, --format incidents forces the view, without colour', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    [vigil, 'replay', '--as-of', 'newest', '--format', 'incidents', sample],
    { env: { ...process.env, FORCE_COLOR: undefined }, maxBuffer: 16 << 20 },
  );
  assert.doesNotMatch(stdout, SGR);
  assert.deepEqual(stdout.split('\n').slice(0, 4), [
    '9 decisions for 8 users: 2 revoke sessions, 7 step up',
    '',
    'dave',
    '  2026-03-19 09:45:00 UTC  revoke sessions, risk 0.94 (near-certain takeover), event evt-002546',
  ]);
  assert.match(stderr, /^events 3012 \(rejected 0, duplicates 1\)$/m);
});

test('an unknown --format is the usage and exit status 2', async () => {
  const result = await run(process.execPath, [vigil, 'replay', '--format', 'html', sample]).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.equal('code' in result ? result.code : 0, 2);
  assert.match(result.stderr, /^usage: vigil replay /);
});
