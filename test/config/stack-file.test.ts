import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ConfigError, loadSettings, settingsAsVariables } from '../../src/config/index.ts';

const STACK = {
  kafka: { brokers: ['127.0.0.1:19092'] },
  redis: { urls: ['redis://127.0.0.1:16379'] },
  search: { url: 'http://127.0.0.1:19200', replicas: 0 },
};

function stackFile(t: TestContext, contents: unknown = STACK): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-stack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.json');
  writeFileSync(file, JSON.stringify(contents));
  return file;
}

test('the stack file supplies the endpoints and says which, as variables', (t) => {
  const file = stackFile(t);
  const { config, stack } = loadSettings({ env: {}, stackFile: file });
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092']);
  assert.deepEqual(config.redis.urls, ['redis://127.0.0.1:16379']);
  assert.equal(config.search.url, 'http://127.0.0.1:19200');
  assert.equal(config.search.replicas, 0);
  assert.deepEqual(stack, {
    file,
    variables: [
      ['VIGIL_KAFKA_BROKERS', '127.0.0.1:19092'],
      ['VIGIL_REDIS_URLS', 'redis://127.0.0.1:16379'],
      ['VIGIL_SEARCH_URL', 'http://127.0.0.1:19200'],
      ['VIGIL_SEARCH_REPLICAS', '0'],
    ],
  });
});

test('a variable set wins over the stack file, and the stack no longer claims that setting', (t) => {
  const { config, stack } = loadSettings({
    env: { VIGIL_KAFKA_BROKERS: 'kafka:9092' },
    stackFile: stackFile(t),
  });
  assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
  assert.equal(config.search.url, 'http://127.0.0.1:19200');
  assert.deepEqual(
    stack?.variables.map(([name]) => name),
    ['VIGIL_REDIS_URLS', 'VIGIL_SEARCH_URL', 'VIGIL_SEARCH_REPLICAS'],
  );
});

test('the configuration file wins over the stack file, setting by setting', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, 'search:\n  url: https://search.example:9200\n');
  const { config, stack } = loadSettings({ env: {}, file, stackFile: stackFile(t) });
  assert.equal(config.search.url, 'https://search.example:9200');
  assert.equal(config.search.replicas, 0);
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092']);
  assert.ok(!stack?.variables.some(([name]) => name === 'VIGIL_SEARCH_URL'));
});

test('no stack file, or none asked for: the defaults, and nothing reported', (t) => {
  const missing = join(mkdtempSync(join(tmpdir(), 'vigil-stack-')), 'vigil.json');
  t.after(() => rmSync(join(missing, '..'), { recursive: true, force: true }));
  for (const options of [{ env: {}, stackFile: missing }, { env: {} }]) {
    const { config, stack } = loadSettings(options);
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(config.search.replicas, undefined);
    assert.equal(stack, undefined);
  }
});

test('a bad value in the stack file names the file and the setting', (t) => {
  const file = stackFile(t, { search: { replicas: -1 } });
  assert.throws(
    () => loadSettings({ env: {}, stackFile: file }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.join() === `${file}: search.replicas: Too small: expected number to be >=0`,
  );
});

test('settings as variables: lists joined by commas, in the order of the variables', () => {
  assert.deepEqual(
    settingsAsVariables({ redis: { urls: ['redis://a:1', 'redis://b:2'] }, kafka: { brokers: ['k:1'] } }),
    [
      ['VIGIL_KAFKA_BROKERS', 'k:1'],
      ['VIGIL_REDIS_URLS', 'redis://a:1,redis://b:2'],
    ],
  );
});
