import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertSameFindings,
  chaosStream,
  produceSteadily,
  controlOf,
  runFindings,
} from '../harness/chaos.ts';
import { startHaStack, type HaStack } from '../harness/ha-stack.ts';
import { waitUntil } from '../harness/processes.ts';
import { deployment, runVigil, startVigil, waitReady, type VigilProcess } from '../harness/vigil-process.ts';

/**
 * The fault tests of `chaos.test.ts` on a stack shaped like production: three Kafka brokers
 * (replication factor 3, min.insync.replicas 2) and a Redis Cluster with a replica per master and
 * AOF. Each run is compared with `replay` of the same events.
 */
let stack: HaStack;
before(
  async () => {
    stack = await startHaStack();
  },
  { timeout: 240_000 },
);
after(() => stack?.release());

const LINES = chaosStream();
const RATE = 1000;

async function setUp() {
  const d = deployment();
  const env = {
    ...d.env,
    VIGIL_KAFKA_BROKERS: stack.kafka.brokers.join(','),
    VIGIL_TOPIC_REPLICATION_FACTOR: '3',
    VIGIL_TOPIC_PARTITIONS: '6',
    VIGIL_KAFKA_MAX_BYTES_PER_PARTITION: '32768',
    VIGIL_REDIS_MODE: 'cluster',
    VIGIL_REDIS_URLS: stack.redis.urls.join(','),
    VIGIL_REDIS_WAIT_REPLICAS: '1',
  };
  await runVigil(env, ['setup', '--skip-search']);
  return env;
}

const start = (t: TestContext, env: Record<string, string>) => startVigil(t, env, ['run', '--no-index']);

async function commits(vigil: VigilProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${vigil.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('vigil_batch_duration_seconds_count '));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function underLoad(t: TestContext, fault: (vigil: VigilProcess) => Promise<void>) {
  const env = await setUp();
  const vigil = await start(t, env);
  try {
    await waitReady(vigil);
    const producing = produceSteadily(stack.kafka.brokers, env, LINES, RATE);
    await waitUntil('a few batches committed', async () => (await commits(vigil)) > 5, 60_000);
    await fault(vigil);
    await producing;
    const control = await controlOf(stack.kafka.brokers, env, LINES);
    assertSameFindings(await runFindings(stack.kafka.brokers, env, control), control);
    assert.equal(vigil.child.exitCode, null, 'never exited');
  } catch (error) {
    // The processor's own log explains a failure best; it goes where the test runner keeps it.
    t.diagnostic(vigil.output().split('\n').slice(-80).join('\n'));
    throw error;
  }
}

test(
  'chaos, replicated: one of three brokers killed with SIGKILL and restarted under load',
  { timeout: 600_000 },
  async (t) => {
    await underLoad(t, async (vigil) => {
      const killedAt = Date.now();
      await stack.kafka.killBroker(1);
      const before = await commits(vigil);
      await waitUntil('commits with a broker down', async () => (await commits(vigil)) > before, 60_000);
      t.diagnostic(`committing again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
      await sleep(5000);
      await stack.kafka.startBroker(1);
    });
  },
);

test(
  'chaos, replicated: a rolling restart of all three brokers under load',
  { timeout: 600_000 },
  async (t) => {
    await underLoad(t, async () => {
      for (const broker of [0, 1, 2]) {
        const started = Date.now();
        await stack.kafka.restartBroker(broker);
        t.diagnostic(`broker ${broker} restarted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
  },
);

test(
  'chaos, replicated: a Redis Cluster master killed with SIGKILL fails over to its replica with no state lost',
  { timeout: 600_000 },
  async (t) => {
    await underLoad(t, async (vigil) => {
      const [master] = await stack.redis.mastersOf();
      const replica = await stack.redis.replicaOf(master!);
      const killedAt = Date.now();
      await stack.redis.killRedisNode(master!);
      await waitUntil(
        'the replica promoted',
        async () => (await stack.redis.mastersOf()).includes(replica!),
        30_000,
      );
      const before = await commits(vigil);
      await waitUntil('commits after the failover', async () => (await commits(vigil)) > before, 60_000);
      t.diagnostic(`committing again ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
      await stack.redis.startRedisNode(master!);
    });
  },
);
