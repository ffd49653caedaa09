import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const vigil = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;

test('vigil feedback --print writes a valid verdict; an invalid one is its reason and exit status 2', async () => {
  const { stdout } = await run(process.execPath, [
    vigil,
    'feedback',
    '--print',
    '--id',
    'f1',
    '--at',
    '2026-03-01T10:00:00Z',
    '--decision',
    'd1',
    '--user',
    'zed',
    '--verdict',
    'benign',
    '--analyst',
    'sam',
    '--reason',
    'new office',
    '--allow',
    'network',
    '--network',
    '203.0.113.0/24',
  ]);
  assert.deepEqual(JSON.parse(stdout), {
    kind: 'feedback',
    feedback_id: 'f1',
    occurred_at: '2026-03-01T10:00:00Z',
    user_id: 'zed',
    decision_id: 'd1',
    verdict: 'benign',
    analyst: 'sam',
    reason: 'new office',
    allowlist: { scope: 'network', network: '203.0.113.0/24' },
  });
  const failed = await run(process.execPath, [
    vigil,
    'feedback',
    '--print',
    '--decision',
    'd1',
    '--user',
    'zed',
    '--verdict',
    'maybe',
    '--analyst',
    'sam',
    '--reason',
    'x',
  ]).catch((error: { code: number; stderr: string }) => error);
  assert.equal('code' in failed && failed.code, 2);
  assert.match('stderr' in failed ? failed.stderr : '', /^vigil feedback: verdict: /);
});

test('replay --feedback applies each verdict before the first event after it: a confirmed device is revoked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-feedback-'));
  try {
    const login = (id: string, at: string) =>
      JSON.stringify({
        event_id: id,
        occurred_at: at,
        type: 'login_success',
        user_id: 'zed',
        ip: '80.47.7.180',
        device_id: 'laptop',
      });
    writeFileSync(
      join(dir, 'events.ndjson'),
      `${login('x1', '2026-03-01T09:00:00Z')}\n${login('x2', '2026-03-01T11:00:00Z')}\n`,
    );
    writeFileSync(
      join(dir, 'verdicts.ndjson'),
      `${JSON.stringify({
        kind: 'feedback',
        feedback_id: 'f1',
        occurred_at: '2026-03-01T10:00:00Z',
        user_id: 'zed',
        decision_id: 'd1',
        decision_action: 'step_up',
        verdict: 'confirmed',
        analyst: 'sam',
        reason: 'phished',
        device_id: 'laptop',
      })}\n`,
    );
    const { stdout } = await run(process.execPath, [
      vigil,
      'replay',
      '--as-of',
      '2026-03-02T00:00:00Z',
      '--quiet',
      '--feedback',
      join(dir, 'verdicts.ndjson'),
      join(dir, 'events.ndjson'),
    ]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [
        line.kind,
        line.event_id ?? line.feedback_id,
        line.type ?? line.action ?? line.verdict,
      ]),
      [
        ['feedback', 'f1', 'confirmed'],
        ['signal', 'f1', 'confirmed_compromise'],
        ['decision', 'f1', 'revoke_sessions'],
        ['signal', 'x2', 'confirmed_compromise'],
        ['decision', 'x2', 'revoke_sessions'],
      ],
    );
    // The incident view shows the revocation the verdict called for, then the sign-in it revokes.
    const view = await run(process.execPath, [
      vigil,
      'replay',
      '--as-of',
      '2026-03-02T00:00:00Z',
      '--quiet',
      '--format',
      'incidents',
      '--feedback',
      join(dir, 'verdicts.ndjson'),
      join(dir, 'events.ndjson'),
    ]);
    assert.match(view.stdout, /^2 decisions for 1 user: 2 revoke sessions$/m);
    assert.match(view.stdout, /^ {4}sam confirmed a takeover \(decision d1\), device laptop$/m);
    assert.match(
      view.stdout,
      /^ {4}confirmed compromise \(critical\): sign-in from a device confirmed compromised/m,
    );
    assert.doesNotMatch(view.stdout, /"kind":/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
