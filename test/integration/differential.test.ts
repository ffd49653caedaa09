import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { StateOp, StateStore, StateView } from '../../src/state/store.ts';
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
  STREAM_INPUT,
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

/** What a processor may do after a batch is committed. */
type Step = 'nothing' | 'checkpoint' | 'save' | 'crash' | 'hand over';
const steps = fc.array(fc.constantFrom<Step>('nothing', 'checkpoint', 'save', 'crash', 'hand over'), {
  minLength: 1,
  maxLength: 6,
});

const offsetOf = (op: StateOp) => Number('origin' in op && op.origin ? op.origin.split('@')[1] : -1);

/**
 * Redis stores driven as the pipeline drives them, taking `steps` in turn after each released batch:
 * a checkpoint; a save of the users without the restore point (a crash in mid-checkpoint); a crash
 * (memory dropped, and what was applied since the restore point applied again, as a replay does); or
 * a hand-over to the next store (a rebalance: a checkpoint, and the next one starts from Redis).
 */
function asProcessors(stores: readonly RedisStateStore[], plan: readonly Step[]): StateStore {
  let owner = 0;
  let taken = 0;
  let next = 0;
  let sinceRestorePoint: (readonly StateOp[])[] = [];
  const current = () => stores[owner % stores.length]!;
  const checkpoint = async () => {
    await current().checkpoint(new Map([[STREAM_INPUT, next]]));
    sinceRestorePoint = [];
  };
  return {
    apply: (ops) => {
      sinceRestorePoint.push(ops);
      for (const op of ops) next = Math.max(next, offsetOf(op) + 1);
      return current().apply(ops);
    },
    release: async (ops) => {
      await current().release(ops);
      switch (plan[taken++ % plan.length]!) {
        case 'checkpoint':
          return checkpoint();
        case 'save':
          return current().checkpoint(new Map());
        case 'crash':
          current().forget();
          for (const again of sinceRestorePoint) await current().apply(again);
          return current().release(sinceRestorePoint.flat());
        case 'hand over':
          await checkpoint();
          current().forget();
          owner++;
          return current().forget();
      }
    },
    close: async () => {},
  };
}

const batchSizes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });

/**
 * The in-memory store (`replay`) and the Redis store (`run`), standalone and Cluster, with users kept in
 * memory or let go after each checkpoint, through checkpoints, crashes and hand-overs between two
 * processors, on the same generated streams in the same batches: the same views, outcomes, signals (ids
 * and evidence) and decisions.
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
      fc.asyncProperty(stream, batchSizes, steps, async (events: RawEvent[], sizes, plan) => {
        const onRedis = (
          client: typeof standalone,
          options = {},
          keys = new StateKeys(`${uniqueName('diff')}:`),
        ) => new RedisStateStore(client, keys, limits, options);
        const shared = new StateKeys(`${uniqueName('diff')}:`);
        const stores = [
          new MemoryStateStore(limits),
          asProcessors([onRedis(standalone)], plan),
          asProcessors([onRedis(cluster)], plan),
          // Users let go after every checkpoint, or past two, and read again from Redis.
          asProcessors([onRedis(standalone, { cachedUsers: 0 })], plan),
          asProcessors([onRedis(cluster, { cachedUsers: 2 })], plan),
          asProcessors([onRedis(standalone, {}, shared), onRedis(standalone, {}, shared)], plan),
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
