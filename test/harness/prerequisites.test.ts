import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeMissing, missingPrerequisite, prerequisites } from './prerequisites.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

test('the list names promtool and amtool with the packages that bring them', () => {
  const list = prerequisites();
  assert.deepEqual(
    list.filter(({ command }) => command === 'promtool' || command === 'amtool'),
    [
      { command: 'promtool', debianPackage: 'prometheus' },
      { command: 'amtool', debianPackage: 'prometheus-alertmanager' },
    ],
  );
  assert.equal(list.length, 10);
});

test('an empty PATH misses the first prerequisite, redis-server', () => {
  assert.deepEqual(missingPrerequisite(prerequisites(), ''), {
    command: 'redis-server',
    debianPackage: 'redis-server',
  });
});

test('the test runner without promtool prints one line naming it and the install command, exit 1', (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'vigil-path-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  const all = prerequisites();
  const present = missingPrerequisite(all);
  assert.equal(present, undefined, 'this machine has every prerequisite');
  // Every prerequisite but promtool, linked from where the machine has it.
  for (const { command } of all.filter(({ command }) => command !== 'promtool')) {
    const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, command));
  }
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ['--test', '--test-global-setup=test/harness/global-setup.ts', 'test/harness/prerequisites.test.ts'],
    { cwd: ROOT, env: { PATH: bin }, encoding: 'utf8' },
  );
  assert.deepEqual(
    { status, stdout, stderr },
    {
      status: 1,
      stdout: '',
      stderr: `npm test: ${describeMissing({ command: 'promtool', debianPackage: 'prometheus' })}\n`,
    },
  );
  assert.equal(
    describeMissing({ command: 'promtool', debianPackage: 'prometheus' }),
    'promtool is missing (Debian package prometheus); install every test prerequisite with: scripts/prerequisites.sh',
  );
});
