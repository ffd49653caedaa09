import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import {
  verifySecurityEvent,
  SESSION_REVOKED,
  ASSURANCE_LEVEL_CHANGE,
} from '../../src/sinks/commands/security-event.ts';
import { DEAD_LETTER_HEADERS } from '../../src/pipeline/dead-letter.ts';
import { indexName } from '../../src/sinks/search/templates.ts';
import { deployment, runVigil, startVigil, waitReady, deploymentSearch } from '../harness/vigil-process.ts';
import { SAMPLE, produceEvents, readTopic } from '../harness/streams.ts';

// The sample's planted incidents end in 9 commands: 2 revocations and 7 step-ups (see the replay test).
const EXPECTED_COMMANDS = 9;
const UNIQUE_EVENTS = SAMPLE.length - 1; // one event is delivered twice

async function searchCount(
  client: Client,
  index: string,
  query: object = { match_all: {} },
): Promise<number> {
  await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  const { count } = await client.count({ index, query, allow_no_indices: true, ignore_unavailable: true });
  return count;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  assert.fail(`${what} within ${timeoutMs} ms`);
}

test('e2e: the sample through Kafka gives signed commands, dead letters with reasons, and searchable alerts', async (t) => {
  const { name, env, jwks } = deployment();
  await runVigil(env, ['setup']);
  await runVigil(env, ['setup']); // idempotent: a second deploy changes nothing and does not fail
  const client = await deploymentSearch(t, name);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  await produceEvents(
    env,
    SAMPLE,
    [
      { topic: env.VIGIL_TOPIC_AUTH!, value: '{"event_id": "broken' },
      {
        topic: env.VIGIL_TOPIC_ACCESS!,
        value: JSON.stringify({
          event_id: 'x1',
          occurred_at: 'yesterday',
          user_id: 'u',
          ip: '1.2.3.4',
          action: 'export',
          resource: 'r',
          records: 5,
        }),
      },
      // What the indexer cannot write: a document whose date the index template refuses, and bytes
      // that are no document at all.
      {
        topic: env.VIGIL_TOPIC_DOCUMENTS!,
        value: JSON.stringify([
          {
            kind: 'events',
            index: indexName(name, 'events', '2026-03-01T00:00:00Z'),
            id: 'refused',
            body: { '@timestamp': 'not a date' },
          },
        ]),
      },
      { topic: env.VIGIL_TOPIC_DOCUMENTS!, value: 'garbage' },
    ],
    2000, // at a steady rate, as emitters send: both topics advance together
  );

  const commands = await readTopic(env.VIGIL_TOPIC_COMMANDS!, EXPECTED_COMMANDS);
  const verified = commands.map((message) =>
    verifySecurityEvent(message.value!.toString(), jwks, {
      issuer: env.VIGIL_COMMAND_ISSUER!,
      audience: 'test-services',
    }),
  );
  assert.ok(
    verified.every((check) => check.ok),
    JSON.stringify(verified.find((check) => !check.ok)),
  );
  const byType = verified.map((check) => (check.ok ? Object.keys(check.claims.events)[0] : ''));
  const who = verified.map((check) =>
    check.ok ? `${check.claims.sub_id.user.id}:${Object.keys(check.claims.events)[0]!.split('/').pop()}` : '',
  );
  assert.equal(byType.filter((type) => type === SESSION_REVOKED).length, 2, who.join(' '));
  assert.equal(byType.filter((type) => type === ASSURANCE_LEVEL_CHANGE).length, 7);
  const dave = verified.find((check) => check.ok && check.claims.sub_id.user.id === 'dave');
  assert.ok(dave?.ok);
  assert.match(
    Object.values(dave.claims.events)[0]!.reason_admin.en,
    /impossible_travel: London, GB → São Paulo, BR/,
  );
  assert.equal(commands.find((m) => m.key?.toString() === 'dave') !== undefined, true);
  // Receivers find the key from the Issuer alone: the SSF configuration document names it.
  const discovery = await fetch(`http://127.0.0.1:${vigil.port}/.well-known/ssf-configuration`);
  const metadata = (await discovery.json()) as { issuer: string; jwks_uri: string };
  assert.equal(metadata.issuer, env.VIGIL_COMMAND_ISSUER);
  assert.equal(metadata.jwks_uri, `${env.VIGIL_COMMAND_ISSUER}/.well-known/jwks.json`);
  assert.deepEqual(
    await (await fetch(`http://127.0.0.1:${vigil.port}${new URL(metadata.jwks_uri).pathname}`)).json(),
    jwks,
  );

  const deadLetters = await readTopic(env.VIGIL_TOPIC_DEAD_LETTER!, 4);
  const reasons = deadLetters.map((m) => m.headers![DEAD_LETTER_HEADERS.reason]!.toString()).sort();
  assert.deepEqual(deadLetters.map((m) => m.headers![DEAD_LETTER_HEADERS.code]!.toString()).sort(), [
    'invalid',
    'malformed',
    'malformed',
    'search_rejected',
  ]);
  assert.match(reasons[0]!, /^malformed JSON: /);
  assert.equal(reasons[1], 'not a batch of search documents');
  assert.match(reasons[2]!, /^occurred_at: expected an ISO 8601 date-time/);
  assert.match(reasons[3]!, /^search engine rejected the events document: .*exception/);
  const refused = deadLetters.find((m) =>
    /^search engine rejected/.test(String(m.headers![DEAD_LETTER_HEADERS.reason])),
  );
  assert.equal((JSON.parse(refused!.value!.toString()) as { id: string }[])[0]!.id, 'refused');
  assert.equal(refused!.headers![DEAD_LETTER_HEADERS.topic]!.toString(), env.VIGIL_TOPIC_DOCUMENTS);
  const broken = deadLetters.find((m) => m.value!.toString() === '{"event_id": "broken');
  assert.equal(broken?.headers![DEAD_LETTER_HEADERS.topic]!.toString(), env.VIGIL_TOPIC_AUTH);

  await until(
    'every event indexed',
    async () => (await searchCount(client, `${name}-events-*`)) === UNIQUE_EVENTS,
  );
  assert.equal(await searchCount(client, `${name}-signals-*`), 12);
  const travel = await client.search<{ vigil: { evidence: Record<string, unknown> }; message: string }>({
    index: `${name}-signals-*`,
    query: { term: { 'vigil.signal.type': 'impossible_travel' } },
  });
  const hit = travel.hits.hits[0]!._source!;
  assert.match(hit.message, /9,508 km in 45 min/);
  assert.equal(hit.vigil.evidence.speedKmh, 12644);
  assert.equal(
    await searchCount(client, `${name}-decisions-*`, {
      term: { 'vigil.decision.action': 'revoke_sessions' },
    }),
    2,
  );

  const metrics = await (await fetch(`http://127.0.0.1:${vigil.port}/metrics`)).text();
  assert.match(metrics, /^vigil_dead_letters_total\{reason="malformed"\} 1$/m);
  assert.match(metrics, /^vigil_dead_letters_total\{reason="search_rejected"\} 2$/m);
  assert.match(metrics, /^vigil_commands_total\{action="revoke_sessions"\} 2$/m);
  assert.equal(await vigil.stop('SIGTERM'), 0);
});
