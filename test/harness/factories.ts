import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { connectSearch } from '../../src/sinks/search/client.ts';
import { connectRedis } from '../../src/state/redis/connect.ts';
import { KAFKA_BROKERS, REDIS_CLUSTER_URLS, REDIS_URL, SEARCH_URL } from './endpoints.ts';

/** A unique name per test, so tests share servers but never data. */
export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A client of the stack's Redis (or Redis Cluster), closed when the test ends. */
export async function createRedis(t: TestContext, mode: 'standalone' | 'cluster' = 'standalone') {
  const client = connectRedis({
    mode,
    urls: mode === 'standalone' ? [REDIS_URL] : REDIS_CLUSTER_URLS,
    keyPrefix: '',
  });
  await client.connect();
  t.after(() => client.quit().catch(() => {}));
  return client;
}

/** A kafkajs client of the stack's broker with a fresh topic; the topic is deleted when the test ends. */
export async function createTopic(t: TestContext, partitions = 3) {
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, clientId: uniqueName('test'), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('test-topic');
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });
  return { kafka, admin, topic };
}

/** A search connection to the stack's engine and a unique index prefix whose indices are deleted afterwards. */
export async function createSearch(t: TestContext) {
  const connection = await connectSearch({
    url: SEARCH_URL,
    engine: 'auto',
    indexPrefix: 'vigil',
    tlsRejectUnauthorized: true,
  });
  const prefix = uniqueName('test');
  t.after(async () => {
    await connection.client.indices.delete({ index: `${prefix}*` }).catch(() => {});
    await connection.client.indices.deleteIndexTemplate({ name: `${prefix}*` }).catch(() => {});
    await connection.client.ingest.deletePipeline({ id: `${prefix}*` }).catch(() => {});
    await connection.client.close();
  });
  return { ...connection, prefix };
}

/**
 * Counts the writes a standalone client makes to its socket: with auto-pipelining, one per round trip.
 * `stop()` returns the count and puts the socket back as it was.
 */
export function countWrites(client: Redis): { stop(): number } {
  let writes = 0;
  const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
  const write = stream.write.bind(stream);
  stream.write = (...args: unknown[]) => {
    writes++;
    return write(...args);
  };
  return {
    stop: () => {
      stream.write = write;
      return writes;
    },
  };
}
