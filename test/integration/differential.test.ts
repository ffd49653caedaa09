import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import { createRedis, uniqueName } from '../harness/factories.ts';
import {
  disorderedBy,
  HISTORY,
  engineOn,
  findings,
  hostileStream,
  limitsFor,
  ordinaryStream,
  runStream,
  type RawEvent,
} from '../state/generated-streams.ts';

const batchSizes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });

/**
 * The in-memory store (`replay`) and the Redis store (`run`), standalone and Cluster, on the same
 * generated streams in the same batches: the same outcomes, signals (ids and evidence) and decisions.
 */
for (const [name, stream] of [
  ['ordinary', ordinaryStream],
  [
    'disordered and duplicated',
    ordinaryStream.chain((events) => disorderedBy([...events, ...events.slice(0, 5)], 120_000)),
  ],
  ['hostile', hostileStream],
] as const) {
  test(`differential: ${name} streams give identical findings in memory, on Redis and on Redis Cluster`, async (t) => {
    const standalone = await createRedis(t, 'standalone');
    const cluster = await createRedis(t, 'cluster');
    const limits = limitsFor();
    await fc.assert(
      fc.asyncProperty(stream, batchSizes, async (events: RawEvent[], sizes) => {
        const stores = [
          new MemoryStateStore(limits),
          new RedisStateStore(standalone, new StateKeys(`${uniqueName('diff')}:`), limits),
          new RedisStateStore(cluster, new StateKeys(`${uniqueName('diff')}:`), limits),
        ];
        const [memory, ...redis] = await Promise.all(
          stores.map(async (store) =>
            findings(await runStream(engineOn(store), [...HISTORY, ...events], sizes)),
          ),
        );
        for (const other of redis) assert.deepEqual(other, memory);
      }),
      { numRuns: 40 },
    );
  });
}
