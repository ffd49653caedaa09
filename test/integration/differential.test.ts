import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { StateStore, StateView } from '../../src/state/store.ts';
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
  streamWithFeedback,
  type RawEvent,
} from '../state/generated-streams.ts';

/** A store that remembers every view it returned, to compare stores view by view. */
function recording(store: StateStore): StateStore & { views: StateView[] } {
  const views: StateView[] = [];
  return {
    views,
    apply: async (ops) => {
      const result = await store.apply(ops);
      views.push(...result);
      return result;
    },
    release: (ops) => store.release(ops),
    close: () => store.close(),
  };
}

/**
 * Two processors sharing one Redis that take turns batch by batch, as when a partition moves back and
 * forth between them: a rebalance before every batch.
 */
function takingTurns(first: RedisStateStore, second: RedisStateStore): StateStore {
  let turn = 0;
  return {
    apply: (ops) => {
      const [now, other] = turn++ % 2 === 0 ? [first, second] : [second, first];
      other.reassigned(true);
      now.reassigned(true);
      return now.apply(ops);
    },
    release: async (ops) => {
      await Promise.all([first.release(ops), second.release(ops)]);
    },
    close: async () => {},
  };
}

const batchSizes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });

/**
 * The in-memory store (`replay`) and the Redis store (`run`), standalone and Cluster, cached or not, and
 * two processors taking turns, on the same generated streams in the same batches: the same outcomes,
 * signals (ids and evidence) and decisions.
 */
for (const [name, stream] of [
  ['ordinary', ordinaryStream],
  [
    'disordered and duplicated',
    ordinaryStream.chain((events) => disorderedBy([...events, ...events.slice(0, 5)], 120_000)),
  ],
  ['hostile', hostileStream],
  ['verdict-bearing', streamWithFeedback],
] as const) {
  test(`differential: ${name} streams give identical findings in memory, on Redis and on Redis Cluster`, async (t) => {
    const standalone = await createRedis(t, 'standalone');
    const cluster = await createRedis(t, 'cluster');
    const limits = limitsFor();
    await fc.assert(
      fc.asyncProperty(stream, batchSizes, async (events: RawEvent[], sizes) => {
        const shared = new StateKeys(`${uniqueName('diff')}:`);
        const stores = [
          new MemoryStateStore(limits),
          new RedisStateStore(standalone, new StateKeys(`${uniqueName('diff')}:`), limits),
          new RedisStateStore(cluster, new StateKeys(`${uniqueName('diff')}:`), limits),
          // Users read from Redis at every batch, or evicted from a cache of two between batches.
          new RedisStateStore(standalone, new StateKeys(`${uniqueName('diff')}:`), limits, {
            cachedUsers: 0,
          }),
          new RedisStateStore(cluster, new StateKeys(`${uniqueName('diff')}:`), limits, { cachedUsers: 2 }),
          takingTurns(
            new RedisStateStore(standalone, shared, limits),
            new RedisStateStore(standalone, shared, limits),
          ),
        ];
        const [memory, ...redis] = await Promise.all(
          stores.map(async (store) => {
            const recorded = recording(store);
            const found = findings(await runStream(engineOn(recorded), [...HISTORY, ...events], sizes));
            return { found, views: recorded.views };
          }),
        );
        for (const [n, other] of redis.entries()) {
          assert.deepEqual(other.views, memory!.views, `every view store ${n + 1} returned`);
          assert.deepEqual(other.found, memory!.found);
        }
      }),
      { numRuns: 40 },
    );
  });
}
