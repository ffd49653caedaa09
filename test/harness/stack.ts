import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_STACK_FILE, settingsAsVariables } from '../../src/config/index.ts';
import { keyThumbprint } from '../../src/sinks/commands/key-id.ts';
import { generateSigningKey, publicJwks } from '../../src/sinks/commands/signing.ts';
import { KAFKA_BROKERS, REDIS_URL, SEARCH_URL } from './endpoints.ts';
import { kafkaClusterService } from './kafka-cluster.ts';
import { kafkaService } from './kafka.ts';
import { openSearchService } from './opensearch.ts';
import { waitUntil } from './processes.ts';
import { redisHaClusterService } from './redis-ha.ts';
import { redisClusterService, redisService } from './redis.ts';
import type { Service } from './service.ts';

/** Data and logs of the running stack: one git-ignored folder in the checkout. */
export const STACK_DIR = resolve(import.meta.dirname, '../../.stack');
/** Vigil's settings for the stack, where commands run from the checkout's root look for them. */
export const STACK_SETTINGS_FILE = resolve(import.meta.dirname, '../..', LOCAL_STACK_FILE);
/** Downloads (Maven jars) that outlive a checkout, so a second run on the same machine fetches nothing. */
export const CACHE_DIR = process.env.VIGIL_CACHE_DIR ?? join(homedir(), '.cache', 'vigil');

export function stackServices(): Service[] {
  return [
    redisService(STACK_DIR),
    redisClusterService(STACK_DIR),
    kafkaService(STACK_DIR, CACHE_DIR),
    openSearchService(STACK_DIR, CACHE_DIR),
  ];
}

/**
 * The production-shaped stack for fault tests: replicated Kafka and Redis, started on demand by the
 * tests that kill its nodes (`startHaStack` in ha-stack.ts), never by `npm test` itself.
 */
export function haServices() {
  return {
    kafka: kafkaClusterService(STACK_DIR, CACHE_DIR),
    redis: redisHaClusterService(STACK_DIR),
  } as const;
}

export interface StartReport {
  readonly name: string;
  readonly started: boolean;
  readonly seconds: number;
}

const isHealthy = (service: Service) => service.healthy().catch(() => false);

/** Starts every service that is not already healthy and waits for it; idempotent. */
export async function stackUp(
  services = stackServices(),
  log = (_line: string) => {},
): Promise<StartReport[]> {
  const down: Service[] = [];
  for (const service of services) {
    if (await isHealthy(service)) log(`${service.name}: already running at ${service.endpoint}`);
    else down.push(service);
  }
  // Downloads run one at a time: two Maven processes on one local repository can corrupt it.
  for (const service of down) await service.prepare();
  const reports = await Promise.all(
    down.map(async (service) => {
      const started = Date.now();
      await service.stop(); // a stale process that holds the port but does not answer
      await service.start();
      await waitUntil(
        service.name,
        () => service.healthy(),
        service.startTimeoutMs,
        join(STACK_DIR, service.name, 'server.log'),
      );
      const seconds = (Date.now() - started) / 1000;
      log(`${service.name}: started at ${service.endpoint} in ${seconds.toFixed(1)}s`);
      return { name: service.name, started: true, seconds };
    }),
  );
  return reports;
}

/**
 * Vigil's settings for this stack, in the file every `vigil` command reads when present
 * (`LOCAL_STACK_FILE`), so that commands need no variables: the endpoints, no index replicas (one
 * node cannot place them, and its indices would stay yellow), and a signing key of the stack's own,
 * made once, with its JWKS beside it.
 */
export function writeStackSettings(
  file = STACK_SETTINGS_FILE,
  stackDir = STACK_DIR,
): Record<string, unknown> {
  const keys = join(stackDir, 'keys');
  const keyFile = join(keys, 'signing-key.pem');
  if (!existsSync(keyFile)) {
    mkdirSync(keys, { recursive: true });
    const generated = generateSigningKey('');
    const key = { ...generated, keyId: keyThumbprint(generated.privateKey) };
    writeFileSync(keyFile, key.pem, { mode: 0o600 });
    writeFileSync(join(keys, 'jwks.json'), `${JSON.stringify(publicJwks(key), null, 2)}\n`);
  }
  const settings = {
    kafka: { brokers: KAFKA_BROKERS },
    redis: { urls: [REDIS_URL] },
    search: { url: SEARCH_URL, replicas: 0 },
    commands: { signingKeyFile: keyFile },
  };
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return settings;
}

/** The settings file's contents as `export VIGIL_…=…` lines, or nothing when there is no file. */
export function stackExports(file = STACK_SETTINGS_FILE): string[] | undefined {
  if (!existsSync(file)) return undefined;
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return settingsAsVariables(settings).map(([name, value]) => `export ${name}=${value}`);
}

/** Once the stack is down its settings would point at nothing; the key stays for the next start. */
export function removeStackSettings(file = STACK_SETTINGS_FILE): void {
  rmSync(file, { force: true });
}

export async function stackDown(services = stackServices(), log = (_line: string) => {}): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (await service.stop()) log(`${service.name}: stopped`);
    }),
  );
}

export async function stackStatus(
  services = stackServices(),
): Promise<{ name: string; endpoint: string; healthy: boolean }[]> {
  return Promise.all(
    services.map(async (service) => ({
      name: service.name,
      endpoint: service.endpoint,
      healthy: await isHealthy(service),
    })),
  );
}
