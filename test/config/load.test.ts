import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, redactConfig } from '../../src/config/index.ts';

const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
};

test('defaults point at a local stack and the peer-derived thresholds', () => {
  const config = loadConfig({ env: {} });
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(config.detect.travel.maxSpeedKmh, 900);
  assert.equal(config.detect.travel.minDistanceKm, 500);
  assert.equal(config.detect.learning.days, 14);
  assert.equal(config.detect.learning.logins, 10);
  assert.equal(config.detect.device.retentionDays, 90);
  assert.equal(config.detect.bulk.recordsThreshold, 1000);
  assert.equal(config.ops.httpPort, 9464);
  assert.equal(config.commands.issuer, 'https://localhost:9464');
  assert.equal(config.commands.algorithm, 'Ed25519');
});

test('the command issuer is an https URL without query or fragment, as SSF 1.0 requires of an Issuer', () => {
  const problem =
    'expected an https URL without query or fragment, such as https://vigil.example.com (SSF 1.0 §7.1)';
  for (const issuer of [
    'vigil',
    'http://vigil.example.com',
    'https://vigil.example.com?x=1',
    'https://vigil.example.com#',
  ]) {
    assert.deepEqual(
      problemsOf(() => loadConfig({ env: { VIGIL_COMMAND_ISSUER: issuer } })),
      [`VIGIL_COMMAND_ISSUER: ${problem} (got ${JSON.stringify(issuer)})`],
    );
  }
  const issuer = 'https://vigil.example.com/tenant-a';
  assert.equal(loadConfig({ env: { VIGIL_COMMAND_ISSUER: issuer } }).commands.issuer, issuer);
});

test('environment variables are converted to their kinds', () => {
  const config = loadConfig({
    env: {
      VIGIL_KAFKA_BROKERS: 'k1:9092, k2:9092',
      VIGIL_HTTP_PORT: '9100',
      VIGIL_KAFKA_SSL: 'true',
      VIGIL_TRUSTED_NETWORKS: '10.0.0.0/8,203.0.113.0/24',
    },
  });
  assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(config.ops.httpPort, 9100);
  assert.equal(config.kafka.ssl, true);
  assert.deepEqual(config.detect.travel.trustedNetworks, ['10.0.0.0/8', '203.0.113.0/24']);
});

test('a bad value is one line naming the variable, what is wrong and what was given', () => {
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_HTTP_PORT: 'eighty' } })),
    ['VIGIL_HTTP_PORT: Invalid input: expected number, received string (got "eighty")'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_KAFKA_BROKERS: 'kafka' } })),
    ['VIGIL_KAFKA_BROKERS: expected host:port (got "kafka")'],
  );
});

test('a bad secret is named without echoing its value', () => {
  const problems = problemsOf(() => loadConfig({ env: { VIGIL_SEARCH_URL: 'not a url with hunter2' } }));
  assert.deepEqual(problems, ['VIGIL_SEARCH_URL: Invalid URL']);
});

test('a YAML file is read and the environment overrides it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, 'kafka:\n  brokers: [a:1]\ndetect:\n  travel:\n    maxSpeedKmh: 800\n');
  const config = loadConfig({ env: { VIGIL_CONFIG_FILE: file, VIGIL_KAFKA_BROKERS: 'b:2' } });
  assert.deepEqual(config.kafka.brokers, ['b:2']);
  assert.equal(config.detect.travel.maxSpeedKmh, 800);
  assert.equal(config.detect.travel.minDistanceKm, 500);
});

test('a bad value in the file names the file and the setting', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, 'detect:\n  travel:\n    maxSpeedKmh: -5\n');
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: {}, file })),
    [`${file}: detect.travel.maxSpeedKmh: Too small: expected number to be >0`],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: {}, file: join(dir, 'missing.yaml') }))[0]?.split(':')[0],
    'VIGIL_CONFIG_FILE',
  );
});

test('redaction hides passwords and URL credentials', () => {
  const config = loadConfig({
    env: { VIGIL_SEARCH_PASSWORD: 'hunter2', VIGIL_REDIS_URLS: 'redis://:s3cret@redis:6379' },
  });
  const shown = JSON.stringify(redactConfig(config));
  assert.ok(!shown.includes('hunter2'));
  assert.ok(!shown.includes('s3cret'));
  assert.ok(shown.includes('redis://[redacted]@redis:6379'));
});

test('on-call alerting: Alertmanagers as a list, the severity as one of four, a webhook only with its secret', () => {
  const config = loadConfig({
    env: {
      VIGIL_ALERTMANAGER_URLS: 'http://am-0:9093,http://am-1:9093',
      VIGIL_ALERT_MIN_SEVERITY: 'critical',
      VIGIL_ALERT_WEBHOOK_URL: 'https://hooks.example/vigil',
      VIGIL_ALERT_WEBHOOK_SECRET: 'sixteen-or-more-chars',
    },
  });
  assert.deepEqual(config.alerting.alertmanagerUrls, ['http://am-0:9093', 'http://am-1:9093']);
  assert.equal(config.alerting.minSeverity, 'critical');
  assert.equal(config.alerting.repeatIntervalMs, 14_400_000);
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_ALERT_MIN_SEVERITY: 'urgent' } })),
    [
      'VIGIL_ALERT_MIN_SEVERITY: Invalid option: expected one of "low"|"medium"|"high"|"critical" (got "urgent")',
    ],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_ALERT_WEBHOOK_URL: 'https://hooks.example/vigil' } })),
    ['VIGIL_ALERT_WEBHOOK_SECRET: a webhook needs a secret to sign with'],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_ALERT_WEBHOOK_SECRET: 'short' } })),
    ['VIGIL_ALERT_WEBHOOK_SECRET: at least 16 characters'],
  );
});

test('a bad URL is quoted back with its credentials masked', () => {
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({ env: { VIGIL_KIBANA_URL: 'https://viewer:hunter2@kibana example/?token=abc' } }),
    ),
    ['VIGIL_KIBANA_URL: Invalid URL (got "https://[redacted]@kibana example/?token=[redacted]")'],
  );
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({ env: { VIGIL_ALERTMANAGER_URLS: 'http://am-0:9093,http://pager:hunter2@[am-1]' } }),
    ),
    ['VIGIL_ALERTMANAGER_URLS: Invalid URL (got "http://am-0:9093,http://[redacted]@[am-1]")'],
  );
});

test('vigil run logs progress every 60 s by default; VIGIL_PROGRESS_INTERVAL_MS changes it, 0 turns it off', () => {
  assert.equal(loadConfig({ env: {} }).ops.progressIntervalMs, 60_000);
  assert.equal(loadConfig({ env: { VIGIL_PROGRESS_INTERVAL_MS: '10000' } }).ops.progressIntervalMs, 10_000);
  assert.equal(loadConfig({ env: { VIGIL_PROGRESS_INTERVAL_MS: '0' } }).ops.progressIntervalMs, 0);
  assert.deepEqual(
    problemsOf(() => loadConfig({ env: { VIGIL_PROGRESS_INTERVAL_MS: '-1' } })),
    ['VIGIL_PROGRESS_INTERVAL_MS: Too small: expected number to be >=0 (got "-1")'],
  );
});
