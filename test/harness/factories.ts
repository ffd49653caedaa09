import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { connectRedis } from '../../src/state/redis/connect.ts';
import { REDIS_CLUSTER_URLS, REDIS_URL } from './endpoints.ts';

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
