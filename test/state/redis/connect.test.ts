import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import { clusterOptionsOf, connectRedis } from '../../../src/state/redis/connect.ts';

test('rediss:// cluster seeds connect with TLS, with the credentials of the first seed', () => {
  assert.deepEqual(clusterOptionsOf(['rediss://vigil:p%40ss@redis-0:6380', 'rediss://redis-1']), {
    nodes: [
      { host: 'redis-0', port: 6380 },
      { host: 'redis-1', port: 6379 },
    ],
    options: { redisOptions: { maxRetriesPerRequest: null, username: 'vigil', password: 'p@ss', tls: {} } },
  });
});

test('redis:// cluster seeds connect in plain text; an IPv6 seed loses its brackets', () => {
  assert.deepEqual(clusterOptionsOf(['redis://[::1]:7000', 'redis://127.0.0.1:7001']), {
    nodes: [
      { host: '::1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ],
    options: { redisOptions: { maxRetriesPerRequest: null } },
  });
});

test('the cluster client and the standalone client both take TLS from rediss://', (t) => {
  const cluster = connectRedis({
    mode: 'cluster',
    urls: ['rediss://redis-0:6380'],
    keyPrefix: '',
  }) as Cluster;
  const standalone = connectRedis({
    mode: 'standalone',
    urls: ['rediss://redis:6380'],
    keyPrefix: '',
  }) as Redis;
  t.after(() => {
    cluster.disconnect();
    standalone.disconnect();
  });
  assert.deepEqual(cluster.options.redisOptions?.tls, {});
  assert.equal(Boolean(standalone.options.tls), true); // ioredis sets it from the URL itself
});
