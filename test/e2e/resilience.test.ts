import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { CACHE_DIR, STACK_DIR } from '../harness/stack.ts';
import { openSearchService } from '../harness/opensearch.ts';
import { run, stopDetached, waitUntil } from '../harness/processes.ts';
import { startRedis } from '../harness/redis.ts';
import {
  deployment,
  freePort,
  runVigil,
  startVigil,
  waitReady,
  deploymentSearch,
} from '../harness/vigil-process.ts';
import { SAMPLE, produceEvents, readTopic } from '../harness/streams.ts';

const UNIQUE_EVENTS = SAMPLE.length - 1;
const COMMANDS = 9;
const SIGNALS = 12;
// Small fetches make many batches, so there is a "middle" of the stream to fail in.
const SMALL_BATCHES = { VIGIL_KAFKA_MAX_BYTES_PER_PARTITION: '16384' };
const RATE = 1000; // events per second, so the stream lasts a few seconds and can fail in its middle

async function count(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true }).catch(() => {});
  return (await client.count({ index, allow_no_indices: true, ignore_unavailable: true })).count;
}

async function setUp(t: TestContext, overrides: Record<string, string> = {}) {
  const d = deployment();
  const env: Record<string, string> = { ...d.env, ...SMALL_BATCHES, ...overrides };
  await runVigil(env, ['setup']);
  const client = await deploymentSearch(t, d.name);
  return { ...d, env, client };
}

/** Exactly the results of the sample: one document per event, every signal, every command once. */
async function assertComplete(env: Record<string, string>, client: Client, name: string) {
  await waitUntil(
    'every event indexed',
    async () => (await count(client, `${name}-events-*`)) === UNIQUE_EVENTS,
    120_000,
  );
  assert.equal(await count(client, `${name}-events-*`), UNIQUE_EVENTS);
  assert.equal(await count(client, `${name}-signals-*`), SIGNALS);
  assert.equal((await readTopic(env.VIGIL_TOPIC_COMMANDS!, COMMANDS)).length, COMMANDS);
  await assert.rejects(
    readTopic(env.VIGIL_TOPIC_COMMANDS!, COMMANDS + 1, 3000),
    new RegExp(`${COMMANDS} of ${COMMANDS + 1} messages`),
  );
}

test('resilience: a processor killed with SIGKILL mid-stream and restarted loses and repeats nothing', async (t) => {
  const { name, env, client } = await setUp(t);
  const first = await startVigil(t, env);
  await waitReady(first);
  // Events stream in as they would in production, so both topics advance together.
  const producing = produceEvents(env, SAMPLE, [], RATE);

  await waitUntil('some events indexed', async () => (await count(client, `${name}-events-*`)) > 300, 60_000);
  await first.stop('SIGKILL');
  const indexedAtKill = await count(client, `${name}-events-*`);
  assert.ok(indexedAtKill < UNIQUE_EVENTS, `killed after ${indexedAtKill} events: not mid-stream`);
  const second = await startVigil(t, env);
  await waitReady(second);
  await producing;
  await assertComplete(env, client, name);
});

test('resilience: Redis stopped during a run loses nothing once it is back', async (t) => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const start = () => startRedis(dir, port);
  const ping = async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG';
  start();
  t.after(async () => {
    await stopDetached(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  await waitUntil('private Redis', ping, 10_000);
  const { name, env, client } = await setUp(t, { VIGIL_REDIS_URLS: `redis://127.0.0.1:${port}` });
  const half = Math.floor(SAMPLE.length / 2);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  await produceEvents(env, SAMPLE.slice(0, half), [], RATE);

  await waitUntil('some events indexed', async () => (await count(client, `${name}-events-*`)) > 200, 60_000);
  // SHUTDOWN SAVE keeps the state on disk, as a restarted production Redis would have it.
  await run('redis-cli', ['-p', String(port), 'shutdown', 'save']);
  const rest = produceEvents(env, SAMPLE.slice(half), [], RATE);
  await sleep(3000);
  const indexedWhileDown = await count(client, `${name}-events-*`);
  start();
  await waitUntil('Redis back', ping, 10_000);
  await rest;
  await assertComplete(env, client, name);
  assert.ok(indexedWhileDown < UNIQUE_EVENTS);
  assert.match(vigil.output(), /Redis unavailable; reconnecting/);
});

test('resilience: the search engine stopped during a run holds back no command and loses nothing', async (t) => {
  const { name, env, client } = await setUp(t);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  const half = SAMPLE.length / 2;
  await produceEvents(env, SAMPLE.slice(0, half), [], RATE);

  await waitUntil('some events indexed', async () => (await count(client, `${name}-events-*`)) > 300, 60_000);
  const node = openSearchService(STACK_DIR, CACHE_DIR);
  t.after(async () => {
    if (!(await node.healthy().catch(() => false))) {
      await node.start();
      await waitUntil('OpenSearch', () => node.healthy(), node.startTimeoutMs);
    }
  });
  await node.stop();
  await produceEvents(env, SAMPLE.slice(half), [], RATE);
  // Detection does not wait for the engine: every command is out while it is still down, and the
  // indexer holds the documents.
  assert.equal((await readTopic(env.VIGIL_TOPIC_COMMANDS!, COMMANDS, 30_000)).length, COMMANDS);
  await waitUntil(
    'the indexer holding the documents',
    async () => /search unavailable; holding the documents/.test(vigil.output()),
    30_000,
  );
  await node.start();
  await waitUntil('OpenSearch back', () => node.healthy(), node.startTimeoutMs);
  await assertComplete(env, client, name);
});

test('resilience: two processors in one group give the results of one', async (t) => {
  const { name, env, client } = await setUp(t);
  const a = await startVigil(t, { ...env, VIGIL_INSTANCE_ID: 'a' });
  const b = await startVigil(t, { ...env, VIGIL_INSTANCE_ID: 'b' });
  await Promise.all([waitReady(a), waitReady(b)]);
  await sleep(2000); // the group settles on both members before the stream arrives
  await produceEvents(env, SAMPLE, [], RATE);
  await assertComplete(env, client, name);
  const consumed = async (port: number) => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return [...text.matchAll(/^vigil_events_consumed_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
  const [fromA, fromB] = [await consumed(a.port), await consumed(b.port)];
  assert.ok(fromA > 0 && fromB > 0, `both processors took a share: ${fromA} and ${fromB}`);
});

test('resilience: an indexer in its own process, killed mid-stream and restarted, loses and repeats nothing', async (t) => {
  const { name, env, client } = await setUp(t);
  const detector = await startVigil(t, env, ['run', '--no-index']);
  const first = await startVigil(t, env, ['index']);
  await Promise.all([waitReady(detector), waitReady(first)]);
  const producing = produceEvents(env, SAMPLE, [], RATE);

  await waitUntil('some events indexed', async () => (await count(client, `${name}-events-*`)) > 300, 60_000);
  await first.stop('SIGKILL');
  assert.ok((await count(client, `${name}-events-*`)) < UNIQUE_EVENTS, 'killed mid-stream');
  const second = await startVigil(t, env, ['index']);
  await waitReady(second);
  await producing;
  await assertComplete(env, client, name);
  // The indexer signs nothing, so it publishes no key.
  assert.equal((await fetch(`http://127.0.0.1:${second.port}/.well-known/jwks.json`)).status, 404);
});
