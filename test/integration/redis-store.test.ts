import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Redis } from 'ioredis';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import { LIMITS, stateConformance } from '../state/conformance.ts';
import { countWrites, createRedis, uniqueName } from '../harness/factories.ts';

for (const mode of ['standalone', 'cluster'] as const) {
  stateConformance(`redis ${mode}`, async (t, limits) => {
    const client = await createRedis(t, mode);
    return new RedisStateStore(client, new StateKeys(`${uniqueName('test')}:`), limits);
  });
}

test('redis: a batch of 200 events is two round trips (read its users, write them back), and every key expires', async (t) => {
  const client = await createRedis(t);
  const prefix = `${uniqueName('rtt')}:`;
  const store = new RedisStateStore(client, new StateKeys(prefix), LIMITS);
  await store.apply([{ kind: 'auth', user: 'warm', eventKey: 'w', atMs: 1, outcome: 'login' }]);
  const writes = countWrites(client as Redis);
  const at = Date.parse('2026-03-01T09:00:00Z');
  await store.apply(
    Array.from({ length: 200 }, (_, i) => ({
      kind: 'auth' as const,
      user: `u${i % 50}`,
      eventKey: `e${i}`,
      atMs: at + i,
      outcome: 'login' as const,
      place: '[51.5,-0.1,20,"81.2.69.160","GB","London"]',
      device: 'id:laptop',
      country: 'GB',
    })),
  );
  assert.equal(writes.stop(), 2);
  const keys = await client.keys(`${prefix}*`);
  assert.equal(keys.length, 51); // one hash per user: record, version and unreleased first views
  const ttls = await Promise.all(keys.map((key) => client.pttl(key)));
  assert.ok(
    ttls.every((ttl) => ttl > 0),
    'every key has a TTL',
  );
});

const signIn = (user: string, eventKey: string, atMs: number) => ({
  kind: 'auth' as const,
  user,
  eventKey,
  atMs,
  outcome: 'login' as const,
});

test('redis: users kept from an earlier batch are not read again: a batch is one round trip', async (t) => {
  const client = await createRedis(t);
  const store = new RedisStateStore(client, new StateKeys(`${uniqueName('cached')}:`), LIMITS);
  const at = Date.parse('2026-03-01T09:00:00Z');
  await store.apply(Array.from({ length: 50 }, (_, i) => signIn(`u${i}`, `a${i}`, at)));
  const writes = countWrites(client as Redis);
  const views = await store.apply(Array.from({ length: 50 }, (_, i) => signIn(`u${i}`, `b${i}`, at + 1)));
  assert.equal(writes.stop(), 1);
  assert.ok(views.every((view) => view.kind === 'auth' && view.profile.logins === 1));
});

test('redis: a user another processor wrote since it was kept is read again, and its change counted once', async (t) => {
  const client = await createRedis(t, 'cluster');
  const keys = new StateKeys(`${uniqueName('stale')}:`);
  const [mine, theirs] = [
    new RedisStateStore(client, keys, LIMITS),
    new RedisStateStore(client, keys, LIMITS),
  ];
  const at = Date.parse('2026-03-01T09:00:00Z');
  await mine.apply([signIn('u', 'e1', at)]);
  await theirs.apply([signIn('u', 'e2', at + 1)]);
  const [view] = await mine.apply([signIn('u', 'e3', at + 2)]);
  assert.equal(view?.kind === 'auth' && view.profile.logins, 2, 'saw the other processor’s sign-in');
  const [next] = await theirs.apply([signIn('u', 'e4', at + 3)]);
  assert.equal(next?.kind === 'auth' && next.profile.logins, 3);
});
