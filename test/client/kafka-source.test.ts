import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { createEnforcer } from '../../packages/client/src/index.ts';
import { signSecurityEvent } from '../../src/sinks/commands/security-event.ts';
import { createTopic, uniqueName } from '../harness/factories.ts';
import { AUDIENCE, ISSUER, jwks, revocation, vigilKey } from './helpers.ts';

const USERS = 600;
/** Records written to each topic, transaction markers (one a partition written) included. */
const written = new Map<string, number>();

/** Revocations of `count` users as Vigil writes them: signed now, in transactions, keyed by user. */
async function publishRevocations(kafka: Kafka, topic: string, from: number, count: number) {
  const producer = kafka.producer({
    transactionalId: uniqueName('commands'),
    maxInFlightRequests: 1,
    idempotent: true,
  });
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => {
      const user = `user-${from + i}`;
      return {
        key: user,
        // Partitions 0 and 1 only: partition 2 stays empty, and must not be waited for.
        partition: i % 2,
        value: signSecurityEvent(
          revocation({ id: `d-${user}`, user_id: user }),
          { issuer: ISSUER, audience: [AUDIENCE] },
          vigilKey,
        ),
      };
    }),
  });
  await transaction.commit();
  await producer.disconnect();
  // The broker writes the commit markers after answering the commit: wait until they are readable.
  const admin = kafka.admin();
  await admin.connect();
  for (;;) {
    const offsets = await admin.fetchTopicOffsets(topic);
    const readable = offsets.reduce((sum, { offset }) => sum + Number(offset), 0);
    if (readable >= written.get(topic)! + count + 2) break;
    await sleep(20);
  }
  written.set(topic, written.get(topic)! + count + 2);
  await admin.disconnect();
}

test('a restarted enforcer is ready only once it has read the commands topic to the end offsets of its start', async (t) => {
  const { kafka, topic } = await createTopic(t, 3);
  written.set(topic, 0);
  await publishRevocations(kafka, topic, 0, USERS);
  const groupPrefix = uniqueName('enforcer');
  const enforcerOf = (instanceId: string, lookBackMs?: number) => {
    const enforcer = createEnforcer({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks,
      kafka: { kafka, topic, groupPrefix, instanceId, ...(lookBackMs !== undefined && { lookBackMs }) },
    });
    t.after(() => enforcer.stop());
    return enforcer;
  };
  const revokedUsers = (enforcer: ReturnType<typeof createEnforcer>, count: number) =>
    Array.from({ length: count }, (_, i) => `user-${i}`).filter((user) =>
      enforcer.isSessionRevoked('s-1', user),
    ).length;

  const first = enforcerOf('app-1');
  assert.equal(first.ready, false);
  const starting = first.start();
  assert.equal(first.ready, false, 'not ready while starting');
  await starting;
  // At the moment it says ready, every command written before its start is in force.
  assert.equal(first.ready, true);
  assert.equal(first.stats().enforced.revoke, USERS);
  assert.equal(revokedUsers(first, USERS), USERS);
  await first.stop();
  assert.equal(first.ready, false, 'not ready once stopped');

  // Restarted with empty memory: the look-back read again, then ready.
  await publishRevocations(kafka, topic, USERS, 100);
  const restarted = enforcerOf('app-1');
  await restarted.start();
  assert.equal(restarted.ready, true);
  assert.equal(restarted.stats().enforced.revoke, USERS + 100);
  assert.equal(revokedUsers(restarted, USERS + 100), USERS + 100);
  await restarted.stop();

  // Without a look-back, from the group's committed offsets: the 50 written while it was away.
  await publishRevocations(kafka, topic, USERS + 100, 50);
  const resumed = enforcerOf('app-1', 0);
  await resumed.start();
  assert.equal(resumed.stats().enforced.revoke, 50);
  assert.equal(resumed.isSessionRevoked('s-1', `user-${USERS + 149}`), true);

  // A new instance with no look-back and no committed offsets starts at the end: ready at once.
  const fresh = enforcerOf('app-2', 0);
  await fresh.start();
  assert.equal(fresh.ready, true);
  assert.equal(fresh.stats().enforced.revoke, 0);
});
