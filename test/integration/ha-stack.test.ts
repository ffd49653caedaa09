import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Cluster } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { connectRedis } from '../../src/state/redis/connect.ts';
import { uniqueName } from '../harness/factories.ts';
import { startHaStack, type HaStack } from '../harness/ha-stack.ts';
import { waitUntil } from '../harness/processes.ts';

let stack: HaStack;
before(
  async () => {
    stack = await startHaStack();
  },
  { timeout: 180_000 },
);
after(() => stack?.release());

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

test(
  'kafka-cluster: with one of three brokers killed, a replication-factor-3 topic takes acks=all writes and a transaction commits; the broker rejoins',
  { timeout: 120_000 },
  async (t) => {
    const cluster = stack.kafka;
    assert.deepEqual(await cluster.brokersUp(), [0, 1, 2]);

    const kafka = new Kafka({
      brokers: [...cluster.brokers],
      clientId: uniqueName('test'),
      logLevel: logLevel.NOTHING,
      // A killed leader's partitions move once its broker session (9 s) expires, counted afresh by a new
      // active controller if the broker was that too: retries every second for 30 s outlast both.
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 1000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('ha-topic');
    // No replication factor given: the cluster's default (3) applies, as `vigil setup` relies on.
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    t.after(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    });
    const all = [0, 1, 2];
    await waitUntil(
      `${topic} in sync on 3 brokers`,
      async () => JSON.stringify(await cluster.inSyncReplicas(topic)) === JSON.stringify([all, all, all]),
      10_000,
    );
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    assert.deepEqual(
      metadata!.partitions.map((partition) => partition.replicas.length),
      [3, 3, 3],
    );

    // The leader of partition 0 goes: its partitions need a new leader, the others a smaller ISR.
    const victim = metadata!.partitions.find((partition) => partition.partitionId === 0)!.leader;
    const survivors = all.filter((id) => id !== victim);
    await cluster.killBroker(victim);
    const killedAt = Date.now();

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    t.after(() => producer.disconnect());
    const [result] = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `user-${i}`, value: `plain-${i}` })),
    });
    t.diagnostic(`acks=all write after SIGKILL of broker ${victim}: ${seconds(killedAt)}`);
    assert.equal(result!.errorCode, 0);
    await waitUntil(
      `${topic} in sync on ${survivors.join(',')}`,
      async () =>
        JSON.stringify(await cluster.inSyncReplicas(topic)) ===
        JSON.stringify([survivors, survivors, survivors]),
      10_000,
    );
    assert.deepEqual(await cluster.brokersUp(), survivors);

    const transactional = kafka.producer({
      transactionalId: uniqueName('ha-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    t.after(() => transactional.disconnect());
    const transaction = await transactional.transaction();
    await transaction.send({ topic, messages: [{ key: 'user-tx', value: 'committed' }] });
    await transaction.commit();
    t.diagnostic(`transaction committed ${seconds(killedAt)} after the kill`);

    const restartedAt = Date.now();
    await cluster.startBroker(victim);
    assert.deepEqual(await cluster.brokersUp(), all);
    await waitUntil(
      `${topic} in sync on 3 brokers again`,
      async () => JSON.stringify(await cluster.inSyncReplicas(topic)) === JSON.stringify([all, all, all]),
      30_000,
    );
    t.diagnostic(`broker ${victim} back and in sync ${seconds(restartedAt)} after its start`);

    // A read_committed consumer stops at an open transaction: seeing its message proves the commit.
    const consumer = kafka.consumer({ groupId: uniqueName('ha-group'), readUncommitted: false });
    await consumer.connect();
    t.after(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const values = new Set<string>();
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.add(message.value!.toString());
          if (values.size === 31) resolve();
        },
      });
    });
    await consumer.stop();
    assert.ok(values.has('committed'));
    assert.ok(values.has('plain-0') && values.has('plain-29'));

    const gracefulAt = Date.now();
    await cluster.restartBroker(survivors[0]!);
    assert.deepEqual(await cluster.brokersUp(), all);
    t.diagnostic(`graceful restart of broker ${survivors[0]}: ${seconds(gracefulAt)}`);
  },
);

test(
  'redis-ha: three masters each with a replica; a key written with WAIT 1 is still read after SIGKILL of its master, whose replica is promoted',
  { timeout: 60_000 },
  async (t) => {
    const cluster = stack.redis;
    const masters = await cluster.mastersOf();
    const replicas = await Promise.all(masters.map((port) => cluster.replicaOf(port)));
    assert.equal(masters.length, 3);
    assert.ok(replicas.every((port) => port !== undefined));
    assert.equal(new Set([...masters, ...replicas]).size, 6);

    const client = connectRedis({ mode: 'cluster', urls: [...cluster.urls], keyPrefix: '' }) as Cluster;
    await client.connect();
    t.after(() => client.quit().catch(() => {}));
    const key = uniqueName('ha-key');
    const master = await cluster.masterOfKey(key);
    const replica = (await cluster.replicaOf(master))!;
    // One pipeline goes to the key's node on one connection, as WAIT requires: it counts the replicas
    // that acknowledged this connection's writes.
    const replies = await client.pipeline().set(key, 'kept').call('wait', 1, 1000).exec();
    assert.deepEqual(replies, [
      [null, 'OK'],
      [null, 1],
    ]);

    await cluster.killRedisNode(master);
    const killedAt = Date.now();
    await waitUntil(
      `replica ${replica} promoted`,
      async () => (await cluster.mastersOf()).includes(replica),
      10_000,
    );
    await cluster.waitClusterOk(10_000);
    t.diagnostic(
      `replica ${replica} promoted and cluster_state:ok ${seconds(killedAt)} after SIGKILL of ${master}`,
    );
    assert.equal(await client.get(key), 'kept');
    assert.deepEqual(
      await cluster.mastersOf(),
      [...masters.filter((port) => port !== master), replica].sort((a, b) => a - b),
    );

    const restartedAt = Date.now();
    await cluster.startRedisNode(master);
    t.diagnostic(`${master} back as a replica in sync ${seconds(restartedAt)} after its start`);
    assert.equal(await cluster.replicaOf(replica), master);
    assert.equal((await cluster.mastersOf()).length, 3);
  },
);
