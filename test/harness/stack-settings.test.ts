import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadSettings } from '../../src/config/index.ts';
import { signingKeyFromConfig } from '../../src/sinks/commands/key-config.ts';
import { verifyJws, signJws } from '../../src/sinks/commands/signing.ts';
import { KAFKA_BROKERS, REDIS_URL, SEARCH_URL } from './endpoints.ts';
import { createSearch } from './factories.ts';
import { stackExports, writeStackSettings } from './stack.ts';

const VIGIL = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;

/** A folder standing for a checkout whose stack is up: its `.stack/vigil.json` as `stack:up` writes it. */
function checkout(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-checkout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stackDir = join(dir, '.stack');
  const file = join(stackDir, 'vigil.json');
  writeStackSettings(file, stackDir);
  return { dir, stackDir, file };
}

test('the stack settings name its endpoints, no replicas, and a key whose JWKS verifies its commands', (t) => {
  const { stackDir, file } = checkout(t);
  const { config, stack } = loadSettings({ env: {}, stackFile: file });
  assert.deepEqual(config.kafka.brokers, KAFKA_BROKERS);
  assert.deepEqual(config.redis.urls, [REDIS_URL]);
  assert.equal(config.search.url, SEARCH_URL);
  assert.equal(config.search.replicas, 0);
  assert.equal(config.commands.signingKeyFile, join(stackDir, 'keys', 'signing-key.pem'));
  assert.deepEqual(
    stack?.variables.map(([name]) => name),
    [
      'VIGIL_KAFKA_BROKERS',
      'VIGIL_REDIS_URLS',
      'VIGIL_SEARCH_URL',
      'VIGIL_SEARCH_REPLICAS',
      'VIGIL_SIGNING_KEY_FILE',
    ],
  );
  const key = signingKeyFromConfig(config.commands);
  const jwks = JSON.parse(readFileSync(join(stackDir, 'keys', 'jwks.json'), 'utf8')) as unknown;
  assert.equal(verifyJws(signJws({ sub: 'u1' }, key, 'secevent+jwt'), jwks).ok, true);
});

test('a second stack:up keeps the key: commands signed before still verify', (t) => {
  const { stackDir, file } = checkout(t);
  const before = readFileSync(join(stackDir, 'keys', 'signing-key.pem'), 'utf8');
  writeStackSettings(file, stackDir);
  assert.equal(readFileSync(join(stackDir, 'keys', 'signing-key.pem'), 'utf8'), before);
});

test('stack:status prints the export lines of the settings file', (t) => {
  const { stackDir, file } = checkout(t);
  assert.deepEqual(stackExports(file), [
    `export VIGIL_KAFKA_BROKERS=${KAFKA_BROKERS.join(',')}`,
    `export VIGIL_REDIS_URLS=${REDIS_URL}`,
    `export VIGIL_SEARCH_URL=${SEARCH_URL}`,
    'export VIGIL_SEARCH_REPLICAS=0',
    `export VIGIL_SIGNING_KEY_FILE=${join(stackDir, 'keys', 'signing-key.pem')}`,
  ]);
  assert.equal(stackExports(join(stackDir, 'missing.json')), undefined);
});

test('`vigil setup` with no endpoint variable uses the stack, says so, and its indices are green', async (t) => {
  const { dir } = checkout(t);
  const { client, prefix } = await createSearch(t);
  const { status, stdout, stderr } = spawnSync(process.execPath, [VIGIL, 'setup', '--skip-kafka'], {
    cwd: dir,
    env: { PATH: process.env.PATH, VIGIL_SEARCH_INDEX_PREFIX: prefix },
    encoding: 'utf8',
  });
  assert.equal(stderr, '');
  assert.equal(status, 0);
  const [notice, ready] = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string });
  assert.equal(
    notice?.msg,
    `using the local stack's settings from .stack/vigil.json: VIGIL_KAFKA_BROKERS=${KAFKA_BROKERS.join(',')} VIGIL_REDIS_URLS=${REDIS_URL} VIGIL_SEARCH_URL=${SEARCH_URL} VIGIL_SEARCH_REPLICAS=0 VIGIL_SIGNING_KEY_FILE=${join(dir, '.stack', 'keys', 'signing-key.pem')}`,
  );
  assert.equal(ready?.msg, 'index templates and ingest pipeline ready');
  const index = `${prefix}-signals-2026.12`;
  await client.indices.create({ index });
  const health = await client.cluster.health({ index, wait_for_status: 'green', timeout: '10s' });
  assert.equal(health.status, 'green');
  assert.equal(health.unassigned_shards, 0);
});
