import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ENV_SETTINGS, loadConfig } from '../src/config/index.ts';

interface Service {
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}
interface Compose {
  services: Record<string, Service>;
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as Compose;

test('docker-compose.yml sets only variables the config knows, with valid values', () => {
  const environment = compose.services.vigil?.environment ?? {};
  const known = new Set(ENV_SETTINGS.map((setting) => setting.name));
  const vigilVariables = Object.keys(environment);
  assert.ok(vigilVariables.length > 0);
  for (const name of vigilVariables) assert.ok(known.has(name), `${name} is not a Vigil setting`);
  const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)]));
  const config = loadConfig({ env });
  assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
  assert.deepEqual(config.alerting.alertmanagerUrls, ['http://alertmanager:9093']);
});

test('docker-compose.yml imports the Kibana dashboards with the processor settings', () => {
  const setup = compose.services['vigil-setup'];
  assert.deepEqual(setup?.command, ['setup', '--kibana', 'http://kibana:5601']);
  assert.deepEqual(setup.environment, compose.services.vigil?.environment);
});

test('docker-compose.yml mounts the shipped Prometheus, Alertmanager and Grafana files', () => {
  const mounts = ['prometheus', 'alertmanager', 'grafana'].flatMap(
    (name) => compose.services[name]?.volumes ?? [],
  );
  const hostPaths = mounts.map((mount) => mount.split(':')[0]!);
  assert.deepEqual(hostPaths, [
    './dashboards/prometheus',
    './dashboards/alertmanager',
    './dashboards/grafana/provisioning',
    './dashboards/grafana/dashboards',
  ]);
  for (const path of hostPaths) assert.ok(existsSync(new URL(path, root)), `${path} is missing`);
});
