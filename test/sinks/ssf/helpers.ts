import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../src/config/index.ts';
import { createLogger } from '../../../src/ops/logger.ts';
import { createMetrics } from '../../../src/ops/metrics.ts';
import { signSecurityEvent } from '../../../src/sinks/commands/security-event.ts';
import { generateSigningKey } from '../../../src/sinks/commands/signing.ts';
import { ssfTransmitter } from '../../../src/sinks/ssf/index.ts';
import { StreamStore } from '../../../src/sinks/ssf/streams.ts';
import { KAFKA_BROKERS, REDIS_URL } from '../../harness/endpoints.ts';
import { createTopic, uniqueName } from '../../harness/factories.ts';
import { connectRedis } from '../../../src/state/redis/connect.ts';
import type { DecisionRecord } from '../../../src/pipeline/engine.ts';

export const RECEIVER_TOKEN = 'records-service-0123456789abcdef';
export const OTHER_TOKEN = 'another-service-0123456789abcdef';
export const ISSUER = 'https://vigil.example.com';
export const AUDIENCE = 'zero-trust-services';

/** An HTTP server on a free port, closed when the test ends. */
export async function serve(
  t: TestContext,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
) {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * What one Vigil deployment's SSF transmitter needs on the stack: its commands topic, group and Redis
 * prefix of its own. `start()` runs one transmitter process (its API served over HTTP); call it again
 * after stopping the first for a restart.
 */
export async function ssfDeployment(t: TestContext, settings: Record<string, string> = {}) {
  const { topic } = await createTopic(t, 1);
  const redis = connectRedis({ mode: 'standalone', urls: [REDIS_URL], keyPrefix: '' });
  await redis.connect();
  const prefix = `${uniqueName('ssf')}:`;
  const stops: (() => Promise<void>)[] = [];
  // One hook, so the transmitters stop before the keys go and the connection closes.
  t.after(async () => {
    for (const stop of stops) await stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  const config = loadConfig({
    env: {
      VIGIL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      VIGIL_KAFKA_GROUP_ID: uniqueName('ssf-group'),
      VIGIL_TOPIC_COMMANDS: topic,
      VIGIL_REDIS_KEY_PREFIX: prefix,
      VIGIL_COMMAND_ISSUER: ISSUER,
      VIGIL_COMMAND_AUDIENCE: AUDIENCE,
      VIGIL_SSF_BEARER_TOKENS: `${RECEIVER_TOKEN},${OTHER_TOKEN}`,
      ...settings,
    },
  });
  const key = generateSigningKey(uniqueName('key'), 'Ed25519');
  const logger = createLogger({ level: 'silent' });
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  return {
    config,
    streams: new StreamStore(redis, prefix),
    /** A command as the pipeline signs it. */
    sign: (decision: DecisionRecord) =>
      signSecurityEvent(decision, { issuer: ISSUER, audience: [AUDIENCE] }, key),
    async start() {
      const { registry, metrics } = createMetrics();
      const { transmitter, handler } = ssfTransmitter(kafka, config, redis, key, logger, metrics);
      const api = await serve(t, (request, response) => {
        if (!handler(request, response)) response.writeHead(404).end();
      });
      await transmitter.start();
      let stopped = false;
      const stop = async () => {
        if (!stopped) await transmitter.stop();
        stopped = true;
      };
      stops.push(stop);
      /** A series' value in this process's registry, e.g. `vigil_ssf_pushes_total{stream="…",outcome="retried"}`. */
      const metric = async (series: string) => {
        const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      return { transmitter, api, metric, stop };
    },
  };
}

/** A JSON request to the SSF API as a receiver makes it. */
export async function call(api: string, method: string, path: string, token?: string, body?: object) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body && { 'content-type': 'application/json' }),
    },
    ...(body && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
