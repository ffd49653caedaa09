import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAllowlist, listGroupAllowlist, renderAllowlist } from '../../src/feedback/allowlist.ts';
import { RedisGroupAllowlist } from '../../src/state/redis/group-allowlist.ts';
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

for (const mode of ['standalone', 'cluster'] as const)
  test(`allowlist list (${mode}): a group's entries beside the users', added once by id, read by every processor`, async (t) => {
    const client = await createRedis(t, mode);
    const keys = new StateKeys(`${uniqueName('allow')}:`);
    const writer = new RedisGroupAllowlist(client, keys);
    const reader = new RedisGroupAllowlist(client, keys, 0);
    const entry = (id: string, expiresMs: number) => ({
      id,
      signals: ['new_country'],
      owner: 'sam',
      reason: 'SRE offsite',
      expiresMs,
    });
    await writer.add('sre', entry('g1', Date.now() + 3 * DAY));
    await writer.add('sre', entry('g1', Date.now() + 3 * DAY)); // the same verdict again
    await writer.add('sales', entry('g2', Date.now() + 20 * DAY));
    assert.deepEqual(
      [...(await reader.entriesOf(['sre', 'ops']))].map(([group, entries]) => [
        group,
        entries.map((e) => e.id),
      ]),
      [['sre', ['g1']]],
    );
    const listed = await listGroupAllowlist(reader, Date.now());
    assert.deepEqual(listed.map((e) => [e.group, e.id]).sort(), [
      ['sales', 'g2'],
      ['sre', 'g1'],
    ]);
    assert.match(
      renderAllowlist(listed, Date.now()),
      /^2 entries, 0 users covered and 2 groups, 1 ending within 7 days$/m,
    );
  });
