import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertSameFindings,
  chaosStream,
  produceSteadily,
  controlOf,
  runFindings,
} from '../harness/chaos.ts';
import { KAFKA_BROKERS } from '../harness/endpoints.ts';
import { kafkaService } from '../harness/kafka.ts';
import { readPid, waitUntil } from '../harness/processes.ts';
import { CACHE_DIR, STACK_DIR } from '../harness/stack.ts';
import { deployment, runVigil, startVigil, waitReady, type VigilProcess } from '../harness/vigil-process.ts';

/**
 * Faults production brings, on the real stack, each compared with `replay` of the same events: the
 * same signals and decisions, every document and command committed exactly once, and recovery
 * without anyone restarting Vigil.
 */
const LINES = chaosStream();
const RATE = 1500; // events per second: the stream flows for about ten seconds
// Small fetches make many batches, so every fault lands in the middle of some.
const SMALL_BATCHES = { VIGIL_KAFKA_MAX_BYTES_PER_PARTITION: '32768' };

async function setUp(overrides: Record<string, string> = {}) {
  const d = deployment();
  const env = { ...d.env, ...SMALL_BATCHES, VIGIL_TOPIC_PARTITIONS: '6', ...overrides };
  await runVigil(env, ['setup', '--skip-search']);
  return { ...d, env };
}

async function metric(vigil: VigilProcess, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${vigil.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Batches committed by a processor so far. */
const commits = (vigil: VigilProcess) => metric(vigil, 'vigil_batch_duration_seconds_count');

async function healthy(vigil: VigilProcess): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${vigil.port}/healthz`).catch(() => undefined);
  return response?.ok ?? false;
}

const start = (t: TestContext, env: Record<string, string>) => startVigil(t, env, ['run', '--no-index']);

test('chaos: the broker killed with SIGKILL and restarted 20 s later under load: recovers by itself, nothing lost or repeated', async (t) => {
  const { env } = await setUp();
  const vigil = await start(t, env);
  await waitReady(vigil);
  const producing = produceSteadily(KAFKA_BROKERS, env, LINES, RATE);
  await waitUntil('a few batches committed', async () => (await commits(vigil)) > 5, 30_000);

  const kafka = kafkaService(STACK_DIR, CACHE_DIR);
  process.kill(-readPid(join(STACK_DIR, 'kafka'))!, 'SIGKILL');
  await sleep(20_000);
  await kafka.start();
  await waitUntil('the broker back', () => kafka.healthy(), 90_000);
  const backAt = Date.now();
  const before = await commits(vigil);
  await waitUntil('commits again', async () => (await commits(vigil)) > before, 60_000);
  const recoverySeconds = (Date.now() - backAt) / 1000;
  t.diagnostic(`processing resumed ${recoverySeconds.toFixed(1)} s after the broker was back`);
  assert.ok(recoverySeconds <= 30, `resumed after ${recoverySeconds} s`);

  await producing;
  const control = await controlOf(KAFKA_BROKERS, env, LINES);
  assertSameFindings(await runFindings(KAFKA_BROKERS, env, control), control);
  assert.equal(await healthy(vigil), true);
  assert.equal(vigil.child.exitCode, null, 'never exited');
});

test('chaos: a processor killed with SIGKILL and restarted at once resumes within 10 s', async (t) => {
  const { env } = await setUp();
  const first = await start(t, env);
  await waitReady(first);
  const producing = produceSteadily(KAFKA_BROKERS, env, LINES, RATE);
  await waitUntil('a few batches committed', async () => (await commits(first)) > 5, 30_000);
  await first.stop('SIGKILL');
  const killedAt = Date.now();
  const second = await start(t, env);
  await waitUntil('the restarted processor commits', async () => (await commits(second)) > 0, 60_000);
  const takeoverSeconds = (Date.now() - killedAt) / 1000;
  t.diagnostic(`processing resumed ${takeoverSeconds.toFixed(1)} s after the kill`);
  assert.ok(takeoverSeconds <= 10, `resumed after ${takeoverSeconds} s`);
  await producing;
  const control = await controlOf(KAFKA_BROKERS, env, LINES);
  assertSameFindings(await runFindings(KAFKA_BROKERS, env, control), control);
});

test('chaos: a processor killed while a batch applied to state waits for its commit: the replayed redo raises the same', async (t) => {
  const { env } = await setUp();
  // A backlog keeps the processor busy, so a batch is in hand whenever the broker goes.
  await produceSteadily(KAFKA_BROKERS, env, LINES, 20 * RATE);
  const first = await start(t, env);
  await waitReady(first);
  await waitUntil('a few batches committed', async () => (await commits(first)) > 5, 30_000);

  // With the broker gone, the batch in hand has changed the state held in memory and cannot commit.
  const kafka = kafkaService(STACK_DIR, CACHE_DIR);
  process.kill(-readPid(join(STACK_DIR, 'kafka'))!, 'SIGKILL');
  try {
    await waitUntil(
      'a saved batch held for Kafka',
      async () => (await metric(first, 'vigil_sink_errors_total{sink="kafka"}')) > 0,
      60_000,
    );
    await first.stop('SIGKILL');
  } finally {
    await kafka.start();
    await waitUntil('the broker back', () => kafka.healthy(), 90_000);
  }
  const second = await start(t, env);
  await waitUntil('the restarted processor commits', async () => (await commits(second)) > 0, 60_000);

  const control = await controlOf(KAFKA_BROKERS, env, LINES);
  assertSameFindings(await runFindings(KAFKA_BROKERS, env, control), control);
});

test('chaos: processors joining and leaving every few seconds while the stream flows: nothing lost or repeated', async (t) => {
  const { env } = await setUp();
  const steady = await start(t, { ...env, VIGIL_INSTANCE_ID: 'steady' });
  await waitReady(steady);
  const producing = produceSteadily(KAFKA_BROKERS, env, LINES, RATE / 2);
  for (let round = 0; round < 4; round++) {
    // Each instance has its own transactional id, as each pod has its own name.
    const joining = await start(t, { ...env, VIGIL_INSTANCE_ID: `joining-${round}` });
    await waitReady(joining);
    await sleep(2000);
    // Half leave as they should, half die.
    await joining.stop(round % 2 ? 'SIGKILL' : 'SIGTERM');
    await sleep(2000);
  }
  await producing;
  const control = await controlOf(KAFKA_BROKERS, env, LINES);
  assertSameFindings(await runFindings(KAFKA_BROKERS, env, control), control);
  assert.equal(await healthy(steady), true);
});
