import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/ops/logger.ts';
import { Checkpoints, type Plan } from '../../src/pipeline/checkpoints.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import type { CheckpointedStore } from '../../src/state/store.ts';
import { LIMITS } from '../state/conformance.ts';

/** A store that records what the checkpoints asked of it; its restore points are given. */
function fakeStore(points: Record<string, number>) {
  const calls: string[] = [];
  const store: CheckpointedStore = Object.assign(new MemoryStateStore(LIMITS), {
    wantsCheckpoint: false,
    checkpoint: async (offsets: ReadonlyMap<string, number>) => {
      calls.push(`checkpoint ${JSON.stringify([...offsets])}`);
    },
    restorePoints: async (inputs: readonly string[]) =>
      new Map(inputs.filter((input) => input in points).map((input) => [input, points[input]!])),
    forget: () => calls.push('forget'),
  });
  return { store, calls };
}

const metrics = { checkpointed: () => {}, replayed: () => {} };
const logger = createLogger({ level: 'silent' });
const planOf = (checkpoints: Checkpoints, input: string, first: number) =>
  checkpoints.batch(
    input,
    async () => first,
    async (plan: Plan) => plan,
  );

test('a partition behind its checkpoint rewinds to it, replays, and the other input of its number waits', async () => {
  const { store } = fakeStore({ 'auth/3': 100, 'access/3': 40 });
  const checkpoints = new Checkpoints(store, 60_000, metrics, logger);
  assert.deepEqual(await planOf(checkpoints, 'auth/3', 150), { kind: 'rewind', to: 100 });
  assert.deepEqual(await planOf(checkpoints, 'access/3', 40), { kind: 'wait' }, 'at its checkpoint already');
  assert.deepEqual(await planOf(checkpoints, 'auth/1', 0), { kind: 'process' }, 'another partition goes on');
  assert.deepEqual(await planOf(checkpoints, 'auth/3', 100), { kind: 'replay', from: 100, until: 150 });
  checkpoints.replayed('auth/3', 148, 48);
  assert.deepEqual(await planOf(checkpoints, 'auth/3', 148), { kind: 'replay', from: 148, until: 150 });
  // The rest of the range is transaction markers: reading past them ends the replay.
  checkpoints.passed('auth/3', 150);
  assert.deepEqual(await planOf(checkpoints, 'access/3', 40), { kind: 'process' });
  assert.deepEqual(await planOf(checkpoints, 'auth/3', 150), { kind: 'process' });
});

test('a failed batch drops the state, and every input replays again from its checkpoint', async () => {
  const { store, calls } = fakeStore({ 'auth/0': 10 });
  const checkpoints = new Checkpoints(store, 60_000, metrics, logger);
  assert.deepEqual(await planOf(checkpoints, 'auth/0', 10), { kind: 'process' });
  await assert.rejects(
    checkpoints.batch(
      'auth/0',
      async () => 10,
      async () => {
        throw new Error('commit failed');
      },
    ),
  );
  assert.deepEqual(await planOf(checkpoints, 'auth/0', 12), { kind: 'rewind', to: 10 });
  assert.deepEqual(calls, ['forget']);
});

test('a checkpoint waits for the batch in hand, takes the state as of its commit, and holds the next back', async () => {
  const { store, calls } = fakeStore({});
  const checkpoints = new Checkpoints(store, 0, metrics, logger);
  const inHand = checkpoints.batch(
    'auth/0',
    async () => 0,
    async () => {
      await sleep(50);
      calls.push('batch committed');
      checkpoints.advanced('auth/0', 7);
    },
  );
  await sleep(10);
  checkpoints.due();
  const next = checkpoints.batch(
    'auth/0',
    async () => 7,
    async () => calls.push('next batch'),
  );
  await Promise.all([inHand, next]);
  await checkpoints.flush();
  assert.deepEqual(calls.slice(0, 3), ['batch committed', 'checkpoint [["auth/0",7]]', 'next batch']);
});
