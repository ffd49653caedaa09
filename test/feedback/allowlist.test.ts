import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAllowlist, renderAllowlist } from '../../src/feedback/allowlist.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { FeedbackOp } from '../../src/state/store.ts';
import { createRedis, uniqueName } from '../harness/factories.ts';
import { LIMITS } from '../state/conformance.ts';

const NOW = Date.parse('2026-03-20T10:00:00Z');
const DAY = 86_400_000;

for (const mode of ['standalone', 'cluster'] as const)
  test(`allowlist list (${mode}): every active entry from the users' records, soonest end first; expired ones not`, async (t) => {
    const client = await createRedis(t, mode);
    const keys = new StateKeys(`${uniqueName('allow')}:`);
    const store = new RedisStateStore(client, keys, LIMITS);
    const verdict = (user: string, id: string, expiresMs: number, network?: string): FeedbackOp => ({
      kind: 'feedback',
      user,
      eventKey: id,
      atMs: NOW - DAY,
      verdict: 'benign',
      allow: {
        id,
        signals: network ? [] : ['new_country'],
        ...(network && { network }),
        owner: 'sam',
        reason: `reason ${id}`,
        expiresMs,
      },
    });
    await store.apply([
      verdict('ana', 'f1', NOW + 30 * DAY),
      verdict('bo', 'f2', NOW + 3 * DAY, '203.0.113.0/24'),
      verdict('cy', 'f3', NOW - 1),
    ]);
    await store.checkpoint(new Map());
    const entries = await listAllowlist(client, keys, NOW);
    assert.deepEqual(
      entries.map((e) => [e.user, e.id, e.network ?? 'user', e.signals.join(','), e.owner]),
      [
        ['bo', 'f2', '203.0.113.0/24', '', 'sam'],
        ['ana', 'f1', 'user', 'new_country', 'sam'],
      ],
    );
    assert.match(renderAllowlist(entries, NOW), /^2 entries, 2 users covered, 1 ending within 7 days$/m);
  });
