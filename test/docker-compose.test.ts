import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ENV_SETTINGS, loadConfig } from '../src/config/index.ts';

interface Compose {
  services: Record<string, { environment?: Record<string, string | number> }>;
}

test('docker-compose.yml sets only variables the config knows, with valid values', () => {
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as Compose;
  const environment = compose.services.vigil?.environment ?? {};
  const known = new Set(ENV_SETTINGS.map((setting) => setting.name));
  const vigilVariables = Object.keys(environment);
  assert.ok(vigilVariables.length > 0);
  for (const name of vigilVariables) assert.ok(known.has(name), `${name} is not a Vigil setting`);
  const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)]));
  assert.deepEqual(loadConfig({ env }).kafka.brokers, ['kafka:9092']);
});
