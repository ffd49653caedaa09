import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisEnforcementStore } from '../../packages/client/src/index.ts';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../harness/endpoints.ts';
import { uniqueName } from '../harness/factories.ts';

async function store(t: TestContext, keyPrefix: string) {
  const client = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  t.after(async () => {
    await client.quit().catch(() => {});
    await subscriber.quit().catch(() => {});
  });
  const instance = new RedisEnforcementStore({ client, subscriber, keyPrefix });
  await instance.start();
  t.after(() => instance.close());
  return instance;
}

test('a fleet shares enforcements through Redis: live to running instances, loaded by new ones', async (t) => {
  const prefix = `${uniqueName('enforcer')}:`;
  const a = await store(t, prefix);
  const b = await store(t, prefix);
  const now = Date.now();
  await a.apply({ kind: 'revoke', userId: 'dave', atMs: now, untilMs: now + 60_000 });
  await a.apply({ kind: 'step_up', userId: 'erin', sessionId: 's-9', atMs: now, untilMs: now + 60_000 });
  assert.equal(a.isSessionRevoked('s-1', 'dave'), true, 'the writer knows at once');
  const deadline = Date.now() + 5000;
  while (!b.stepUpRequired('erin', 's-9') && Date.now() < deadline) await sleep(5);
  assert.equal(b.isSessionRevoked('s-1', 'dave'), true);
  assert.equal(b.stepUpRequired('erin', 's-9'), true);
  await b.satisfyStepUp('erin', 's-9', now + 1, now + 60_000);
  while (a.stepUpRequired('erin', 's-9') && Date.now() < deadline) await sleep(5);
  assert.equal(a.stepUpRequired('erin', 's-9'), false, 'MFA passed on one instance counts on all');

  const late = await store(t, prefix);
  assert.equal(late.isSessionRevoked('s-1', 'dave'), true);
  assert.equal(late.isSessionRevoked('s-1', 'dave', now + 1), false);
  assert.equal(late.stepUpRequired('erin', 's-9'), false);
  const other = await store(t, `${uniqueName('enforcer')}:`);
  assert.equal(other.isSessionRevoked('s-1', 'dave'), false, 'another prefix is another fleet');
});
