import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { DEAD_LETTER_HEADERS } from '../../src/pipeline/dead-letter.ts';
import {
  ASSURANCE_LEVEL_CHANGE,
  SESSION_REVOKED,
  verifySecurityEvent,
} from '../../src/sinks/commands/security-event.ts';
import type { DocumentBody } from '../../src/sinks/search/ecs.ts';
import { deployment, deploymentSearch, runVigil, startVigil, waitReady } from '../harness/vigil-process.ts';
import { SAMPLE, produceEvents, readTopic } from '../harness/streams.ts';

// The sample ends in 9 commands (see the pipeline test); verdicts and the events after them add to it.
const SAMPLE_COMMANDS = 9;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  assert.fail(`${what} within ${timeoutMs} ms`);
}

async function find(client: Client, index: string, query: object) {
  await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  const found = await client.search<DocumentBody>({
    index,
    query,
    size: 50,
    allow_no_indices: true,
    ignore_unavailable: true,
  });
  return found.hits.hits.map((hit) => ({ id: hit._id!, ...hit._source! }));
}

const decisionOf = (user: string) => ({
  bool: { filter: [{ term: { 'user.id': user } }, { term: { 'vigil.decision.action': 'step_up' } }] },
});

/** Ten failed logins of one user from one address in five minutes of 22 March: a brute force. */
const burst = (user: string, group?: string) =>
  Array.from({ length: 10 }, (_, i) =>
    JSON.stringify({
      event_id: `after-${user}-${i}`,
      occurred_at: new Date(Date.parse('2026-03-22T02:00:00Z') + i * 30_000).toISOString(),
      type: 'login_failure',
      user_id: user,
      ip: '45.155.205.233',
      service: 'sso',
      ...(group && { user_group: group }),
    }),
  );

test('e2e: verdicts on the feedback topic change the next decisions, revoke a confirmed takeover and mark their decisions', async (t) => {
  const { name, env, jwks } = deployment();
  await runVigil(env, ['setup']);
  const client = await deploymentSearch(t, name);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  await produceEvents(env, SAMPLE);
  await readTopic(env.VIGIL_TOPIC_COMMANDS!, SAMPLE_COMMANDS);
  const decisions = `${name}-decisions-*`;
  await until(
    "erin's and grace's step-ups indexed",
    async () =>
      (await find(client, decisions, decisionOf('erin'))).length === 1 &&
      (await find(client, decisions, decisionOf('grace'))).length === 1,
  );
  const [erin] = await find(client, decisions, decisionOf('erin'));
  const [grace] = await find(client, decisions, decisionOf('grace'));

  // Erin's bulk export was a takeover from her laptop; Grace's brute force, a penetration test.
  await runVigil(env, [
    ...['feedback', '--decision', erin!.id, '--user', 'erin', '--verdict', 'confirmed'],
    ...['--analyst', 'sam', '--reason', 'phished', '--device', 'erin-laptop'],
    ...['--at', '2026-03-20T15:00:00Z', '--id', 'fb-erin'],
  ]);
  await runVigil(env, [
    ...['feedback', '--decision', grace!.id, '--user', 'grace', '--verdict', 'benign'],
    ...['--analyst', 'sam', '--reason', 'penetration test', '--allow', 'user'],
    ...['--signals', 'brute_force', '--at', '2026-03-21T03:00:00Z', '--id', 'fb-grace'],
  ]);
  // The red team's exercises are expected: an entry for the whole group, given on one member's case.
  await runVigil(env, [
    ...['feedback', '--decision', 'case-red-team', '--user', 'ivan', '--verdict', 'benign'],
    ...['--analyst', 'sam', '--reason', 'red team exercise', '--allow', 'group', '--group', 'red-team'],
    ...['--signals', 'brute_force', '--at', '2026-03-21T04:00:00Z', '--id', 'fb-red-team'],
  ]);
  const invalid = JSON.stringify({ feedback_id: 'fb-x', user_id: 'grace', verdict: 'maybe' });
  await produceEvents(env, [], [{ topic: env.VIGIL_TOPIC_FEEDBACK!, value: invalid }]);

  // The confirmed takeover had only been stepped up: its verdict revokes Erin's sessions.
  const verify = (value: Buffer) => {
    const check = verifySecurityEvent(value.toString(), jwks, {
      issuer: env.VIGIL_COMMAND_ISSUER!,
      audience: 'test-services',
    });
    assert.ok(check.ok);
    const [type, event] = Object.entries(check.claims.events)[0]!;
    return { user: check.claims.sub_id.user.id, type, reason: event.reason_admin.en };
  };
  const afterVerdicts = (await readTopic(env.VIGIL_TOPIC_COMMANDS!, SAMPLE_COMMANDS + 1)).map((m) =>
    verify(m.value!),
  );
  assert.deepEqual(
    afterVerdicts.filter((c) => /confirmed/.test(c.reason)),
    [
      {
        user: 'erin',
        type: SESSION_REVOKED,
        reason: 'confirmed_compromise: sam confirmed a takeover: phished',
      },
    ],
  );

  const [letter] = await readTopic(env.VIGIL_TOPIC_DEAD_LETTER!, 1);
  assert.equal(letter!.headers![DEAD_LETTER_HEADERS.code]!.toString(), 'invalid');
  assert.equal(letter!.headers![DEAD_LETTER_HEADERS.topic]!.toString(), env.VIGIL_TOPIC_FEEDBACK);
  assert.match(letter!.headers![DEAD_LETTER_HEADERS.reason]!.toString(), /^occurred_at: /);

  // Each decision judged shows its case's status in the search engine.
  const statusOf = async (id: string) =>
    (await find(client, decisions, { ids: { values: [id] } }))[0]?.vigil.verdict;
  await until('both decisions marked', async () => (await statusOf(grace!.id)) !== undefined);
  await until('both decisions marked', async () => (await statusOf(erin!.id)) !== undefined);
  assert.deepEqual(await statusOf(erin!.id), {
    id: 'fb-erin',
    status: 'confirmed',
    analyst: 'sam',
    reason: 'phished',
    at: '2026-03-20T15:00:00.000Z',
    decision_id: erin!.id,
  });
  assert.equal((await statusOf(grace!.id))?.status, 'benign');
  await until(
    'the three verdicts indexed',
    async () => (await find(client, `${name}-verdicts-*`, { match_all: {} })).length === 3,
  );
  const verdicts = await find(client, `${name}-verdicts-*`, { match_all: {} });
  assert.deepEqual(verdicts.map((v) => v.vigil.verdict?.id).sort(), ['fb-erin', 'fb-grace', 'fb-red-team']);
  const entries = await find(client, `${name}-allowlist-*`, { term: { 'user.id': 'grace' } });
  assert.deepEqual(
    entries.map(({ user, vigil: { allowlist } }) => ({ user: user?.id, ...allowlist })),
    [
      {
        user: 'grace',
        id: 'fb-grace',
        scope: 'user',
        signals: ['brute_force'],
        owner: 'sam',
        reason: 'penetration test',
        expires_at: '2026-04-20T03:00:00.000Z',
      },
    ],
  );

  // A day later: the same brute force on Grace, and on Ivan of the red team, is allowlisted; on Heidi
  // it is stepped up; a sign-in from Erin's compromised laptop is revoked.
  const erinSignIn = JSON.stringify({
    event_id: 'after-erin',
    occurred_at: '2026-03-22T09:00:00.000Z',
    type: 'login_success',
    user_id: 'erin',
    ip: '63.118.167.144',
    device_id: 'erin-laptop',
    service: 'sso',
  });
  await produceEvents(env, [...burst('grace'), ...burst('heidi'), ...burst('ivan', 'red-team'), erinSignIn]);
  const commands = (await readTopic(env.VIGIL_TOPIC_COMMANDS!, SAMPLE_COMMANDS + 3)).map((m) =>
    verify(m.value!),
  );
  const seen = new Set(afterVerdicts.map((c) => JSON.stringify(c)));
  assert.deepEqual(
    commands
      .filter((c) => !seen.has(JSON.stringify(c)))
      .map((c) => `${c.user} ${c.type}`)
      .sort(),
    [`erin ${SESSION_REVOKED}`, `heidi ${ASSURANCE_LEVEL_CHANGE}`],
  );
  await until(
    'the late events indexed',
    async () =>
      (await find(client, `${name}-events-*`, { prefix: { 'vigil.event_id': 'after-' } })).length === 31,
  );
  const lateSignals = await find(client, `${name}-signals-*`, {
    bool: {
      filter: [{ terms: { 'user.id': ['grace', 'ivan'] } }, { prefix: { 'vigil.event_id': 'after-' } }],
    },
  });
  assert.deepEqual(lateSignals, []);
  assert.equal(await vigil.stop('SIGTERM'), 0);
});
