import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { StateStore } from '../../src/state/store.ts';
import { LIMITS, stateConformance } from '../state/conformance.ts';
import { countWrites, createRedis, uniqueName } from '../harness/factories.ts';

/**
 * The Redis store as the conformance suite drives it, with every batch saved at once and, once its
 * first views are released, the users let go: the next batch reads them back from Redis.
 */
function savingEveryBatch(store: RedisStateStore): StateStore {
  return {
    apply: async (ops) => {
      const views = await store.apply(ops);
      await store.checkpoint(new Map());
      return views;
    },
    release: async (ops) => {
      await store.release(ops);
      await store.checkpoint(new Map());
      store.forget();
    },
    close: () => store.close(),
  };
}

for (const mode of ['standalone', 'cluster'] as const) {
  stateConformance(`redis ${mode}`, async (t, limits) => {
    const client = await createRedis(t, mode);
    return savingEveryBatch(new RedisStateStore(client, new StateKeys(`${uniqueName('test')}:`), limits));
  });
}

const signIn = (user: string, eventKey: string, atMs: number, offset?: number) => ({
  kind: 'auth' as const,
  user,
  eventKey,
  atMs,
  outcome: 'login' as const,
  ...(offset !== undefined && { origin: `auth/0@${offset}` }),
});
const AT = Date.parse('2026-03-01T09:00:00Z');

test('redis: users held in memory cost no round trip; a checkpoint is one, and every key expires', async (t) => {
  const client = await createRedis(t);
  const prefix = `${uniqueName('rtt')}:`;
  const store = new RedisStateStore(client, new StateKeys(prefix), LIMITS);
  let writes = countWrites(client as Redis);
  await store.apply(Array.from({ length: 50 }, (_, i) => signIn(`u${i}`, `a${i}`, AT, i)));
  assert.equal(writes.stop(), 1, 'the users not held, read at once');
  writes = countWrites(client as Redis);
  const views = await store.apply(
    Array.from({ length: 200 }, (_, i) => ({
      ...signIn(`u${i % 50}`, `e${i}`, AT + i, 50 + i),
      place: '[51.5,-0.1,20,"81.2.69.160","GB","London"]',
      device: 'id:laptop',
      country: 'GB',
    })),
  );
  assert.equal(writes.stop(), 0);
  assert.ok(views.slice(0, 50).every((view) => view.kind === 'auth' && view.profile.logins === 1));
  writes = countWrites(client as Redis);
  await store.checkpoint(new Map([['auth/0', 250]]));
  assert.equal(writes.stop(), 2, 'the users, then the restore point');
  const keys = await client.keys(`${prefix}*`);
  assert.equal(keys.length, 51); // one hash per user, and the checkpoints
  const userKeys = keys.filter((key) => key.endsWith(':state'));
  const ttls = await Promise.all(userKeys.map((key) => client.pttl(key)));
  assert.ok(
    ttls.every((ttl) => ttl > 0),
    'every user key has a TTL',
  );
  assert.deepEqual(await store.restorePoints(['auth/0', 'auth/1']), new Map([['auth/0', 250]]));
});

test('redis: after a crash, the events a saved record holds are skipped on replay, the rest applied once', async (t) => {
  const client = await createRedis(t, 'cluster');
  const store = new RedisStateStore(client, new StateKeys(`${uniqueName('replay')}:`), LIMITS);
  await store.apply([signIn('ann', 'a1', AT, 0), signIn('bob', 'b1', AT, 1)]);
  await store.checkpoint(new Map([['auth/0', 2]]));
  await store.apply([signIn('ann', 'a2', AT + 1, 2)]);
  await store.checkpoint(new Map()); // ann saved, and the process dies before the restore point
  await store.apply([signIn('bob', 'b2', AT + 1, 3)]);
  store.forget();
  // The replay from the restore point (offset 2): ann's saved record holds a2, bob's lacks b2.
  const replayed = await store.apply([signIn('ann', 'a2', AT + 1, 2), signIn('bob', 'b2', AT + 1, 3)]);
  assert.deepEqual(
    replayed.map((view) => view.kind !== 'ip-failure' && view.duplicate),
    [true, false],
  );
  const [ann, bob] = await store.apply([signIn('ann', 'a3', AT + 2, 4), signIn('bob', 'b3', AT + 2, 5)]);
  assert.equal(ann?.kind === 'auth' && ann.profile.logins, 2);
  assert.equal(bob?.kind === 'auth' && bob.profile.logins, 2);
});

test('redis: a processor that lost a partition cannot overwrite what its new owner saved', async (t) => {
  const client = await createRedis(t, 'cluster');
  const keys = new StateKeys(`${uniqueName('stale')}:`);
  const [old, owner] = [new RedisStateStore(client, keys, LIMITS), new RedisStateStore(client, keys, LIMITS)];
  await old.apply([signIn('u', 'e1', AT, 0)]);
  await old.checkpoint(new Map([['auth/0', 1]]));
  await owner.apply([signIn('u', 'e2', AT + 1, 1), signIn('u', 'e3', AT + 2, 2)]);
  await owner.checkpoint(new Map([['auth/0', 3]]));
  // The old owner, behind, saves late: refused, and its copy dropped.
  await old.apply([signIn('u', 'e2', AT + 1, 1)]);
  await old.checkpoint(new Map());
  const reader = new RedisStateStore(client, keys, LIMITS);
  const [view] = await reader.apply([signIn('u', 'e4', AT + 3, 3)]);
  assert.equal(view?.kind === 'auth' && view.profile.logins, 3, 'the new owner’s record, with e1..e3');
  const [again] = await old.apply([signIn('u', 'e5', AT + 4, 4)]);
  assert.equal(
    again?.kind === 'auth' && again.profile.logins,
    3,
    'the old owner read the saved record again',
  );
});
