import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/ops/logger.ts';
import type { AlertMetrics } from '../../src/ops/metrics.ts';
import { AlertNotifier, pageOf } from '../../src/pipeline/notifier.ts';
import { signSecurityEvent } from '../../src/sinks/commands/security-event.ts';
import { generateSigningKey, publicJwks } from '../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../sinks/fixtures.ts';

const key = generateSigningKey('vigil-1');
const jwks = publicJwks(key);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A revocation Vigil signed just now, as the pipeline publishes it. */
const revocation = (nowMs: number) =>
  signSecurityEvent(
    decisionOf({ action: 'revoke_sessions', risk: 0.94, signals: [travelSignal] }),
    { issuer: 'https://localhost:9464', audience: ['zero-trust-services'] },
    key,
    nowMs,
  );

const message = (offset: number, value: string | null, timestampMs: number): KafkaMessage => ({
  offset: String(offset),
  key: Buffer.from('dave'),
  value: value === null ? null : Buffer.from(value),
  timestamp: String(timestampMs),
  attributes: 0,
  headers: {},
});

test('what is on the commands topic decides the page: unreadable, forged, stale, or an alert', () => {
  const now = Date.parse('2026-03-19T09:45:01Z');
  const config = loadConfig({ env: {} });
  const page = (value: string | null, timestampMs = now) => {
    const result = pageOf(message(0, value, timestampMs), config, jwks, now);
    return 'alert' in result
      ? `alert for ${result.alert.labels.user}`
      : `${result.skipped} ${result.code ?? ''}`;
  };
  const forged = signSecurityEvent(
    decisionOf({ action: 'revoke_sessions', risk: 0.94, signals: [travelSignal] }),
    { issuer: 'https://localhost:9464', audience: ['zero-trust-services'] },
    generateSigningKey('vigil-1'),
    now,
  );
  assert.deepEqual(
    [
      page(revocation(now)),
      page(`${b64(null)}.${b64({})}.AAAA`),
      page(null),
      page('{"not":"a token"}'),
      page(forged),
      page(revocation(now), now - 5 * 3_600_000),
    ],
    [
      'alert for dave',
      'malformed malformed',
      'malformed malformed',
      'malformed malformed',
      'unverified bad_signature',
      'stale ',
    ],
  );
});

/** A consumer stand-in: hands the notifier one batch and records what it commits. */
function fakeKafka() {
  const committed: { topic: string; partition: number; offset: string }[] = [];
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = options.eachBatch;
    },
    commitOffsets: async (offsets: typeof committed) => void committed.push(...offsets),
    disconnect: async () => undefined,
  };
  const deliver = (messages: KafkaMessage[]) =>
    eachBatch!({
      batch: {
        topic: 'vigil.commands',
        partition: 0,
        messages,
        lastOffset: () => messages.at(-1)!.offset,
        offsetLag: () => '0',
      },
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
  return { kafka: { consumer: () => consumer } as unknown as Kafka, deliver, committed };
}

async function alertmanager(t: TestContext) {
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(...(JSON.parse(body) as unknown[]));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

test('a token with a JSON null header is logged, counted and skipped; the batch pages and commits', async (t) => {
  const { url, received } = await alertmanager(t);
  const { kafka, deliver, committed } = fakeKafka();
  const skipped: string[] = [];
  const metrics: AlertMetrics = {
    alert: () => undefined,
    alertSkipped: (reason) => void skipped.push(reason),
    sinkError: () => undefined,
  };
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const notifier = new AlertNotifier({
    kafka,
    config: loadConfig({ env: { VIGIL_ALERTMANAGER_URLS: url } }),
    jwks,
    metrics,
    logger: createLogger({ level: 'info', destination }),
  });
  await notifier.start();
  const now = Date.now();
  await deliver([
    message(7, `${b64(null)}.${b64({})}.AAAA`, now),
    message(8, 'garbage', now),
    message(9, revocation(now), now),
  ]);
  assert.deepEqual(skipped, ['malformed', 'malformed']);
  assert.deepEqual(
    logs.map(({ offset, skipped: why, code, reason }) => ({ offset, why, code, reason })),
    [
      {
        offset: '7',
        why: 'malformed',
        code: 'malformed',
        reason: 'header or payload is not base64url JSON',
      },
      { offset: '8', why: 'malformed', code: 'malformed', reason: 'not a compact JWS' },
    ],
  );
  assert.equal(received.length, 1);
  assert.deepEqual(committed, [{ topic: 'vigil.commands', partition: 0, offset: '10' }]);
});
