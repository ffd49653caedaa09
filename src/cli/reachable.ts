import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/index.ts';
import type { Logger } from '../ops/logger.ts';

/**
 * A server a command needs before it does anything: its name for people, the addresses it was given
 * (any one that accepts a connection will do) and the variable that sets them.
 */
export interface Dependency {
  readonly service: string;
  readonly variable: string;
  readonly addresses: readonly { host: string; port: number }[];
}

export class UnreachableError extends Error {
  readonly dependency: Dependency;
  constructor(message: string, dependency: Dependency, cause: unknown) {
    super(message, { cause });
    this.name = 'UnreachableError';
    this.dependency = dependency;
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'redis:': 6379, 'rediss:': 6379 };

function addressOfUrl(text: string) {
  const url = new URL(text);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || DEFAULT_PORTS[url.protocol] || 0),
  };
}

function addressOfHostPort(text: string) {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(at + 1)) };
}

/** What a command needs of the configuration, by name. */
export function dependenciesOf(
  config: Config,
  needs: { kafka?: boolean; redis?: boolean; search?: boolean; alertmanager?: boolean },
): Dependency[] {
  const dependencies: Dependency[] = [];
  if (needs.kafka)
    dependencies.push({
      service: 'Kafka',
      variable: 'VIGIL_KAFKA_BROKERS',
      addresses: config.kafka.brokers.map(addressOfHostPort),
    });
  if (needs.redis)
    dependencies.push({
      service: 'Redis',
      variable: 'VIGIL_REDIS_URLS',
      addresses: config.redis.urls.map(addressOfUrl),
    });
  if (needs.search)
    dependencies.push({
      service: 'the search engine',
      variable: 'VIGIL_SEARCH_URL',
      addresses: [addressOfUrl(config.search.url)],
    });
  if (needs.alertmanager && config.alerting.alertmanagerUrls.length)
    dependencies.push({
      service: 'Alertmanager',
      variable: 'VIGIL_ALERTMANAGER_URLS',
      addresses: config.alerting.alertmanagerUrls.map(addressOfUrl),
    });
  return dependencies;
}

const ATTEMPT_TIMEOUT_MS = 2_000;
const PAUSE_MS = 500;

function tryConnect({ host, port }: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: ATTEMPT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer in ${ATTEMPT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
  });
}

const shown = ({ host, port }: { host: string; port: number }) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'no answer',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Waits until each dependency accepts a TCP connection on one of its addresses, for at most
 * `timeoutMs` in all: a server starting beside this process gets that long, a wrong address fails with
 * one line instead of a client library's retries and stack traces, which go to the debug log.
 * `hint` ends the line (where the addresses came from, how to start them).
 */
export async function awaitReachable(
  dependencies: readonly Dependency[],
  timeoutMs: number,
  options: { logger?: Logger; hint?: (dependency: Dependency) => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    dependencies.map(async (dependency) => {
      for (;;) {
        const attempts = await Promise.allSettled(dependency.addresses.map(tryConnect));
        if (attempts.some((attempt) => attempt.status === 'fulfilled')) return;
        const error = (attempts[0] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
        options.logger?.debug(
          { err: error, service: dependency.service },
          `waiting for ${dependency.service}`,
        );
        if (Date.now() + PAUSE_MS >= deadline) {
          const reason = REASONS[error.code ?? ''] ?? error.code ?? error.message;
          const seconds = Math.round(timeoutMs / 1000);
          const hint = options.hint?.(dependency) ?? '';
          throw new UnreachableError(
            `cannot reach ${dependency.service} at ${dependency.addresses.map(shown).join(',')} (${reason}) in ${seconds} s; set ${dependency.variable}${hint}`,
            dependency,
            error,
          );
        }
        await sleep(PAUSE_MS);
      }
    }),
  );
}
