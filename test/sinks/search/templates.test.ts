import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTemplates } from '../../../src/cli/setup.ts';
import { createEngine } from '../../../src/cli/wiring.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { newestEventClock } from '../../../src/events/event-time.ts';
import { createLogger } from '../../../src/ops/logger.ts';
import { stateLimits } from '../../../src/pipeline/engine.ts';
import { documentsOf } from '../../../src/sinks/search/documents.ts';
import { feedbackDocumentsOf } from '../../../src/sinks/search/feedback-documents.ts';
import type { DocumentBody } from '../../../src/sinks/search/ecs.ts';
import { ingestPipelineName } from '../../../src/sinks/search/templates.ts';
import { writeDocuments } from '../../../src/sinks/search/writer.ts';
import { MemoryStateStore } from '../../../src/state/memory/store.ts';
import { createSearch } from '../../harness/factories.ts';
import { SEARCH_URL } from '../../harness/endpoints.ts';

const logger = createLogger({ level: 'silent' });

/** Dave signs in from London, then São Paulo 45 minutes later: two events, a signal and a decision. */
async function travelDocuments(prefix: string) {
  const config = loadConfig({ env: {} });
  const { engine, geo } = createEngine(config, new MemoryStateStore(stateLimits(config.detect)), logger, {
    clock: newestEventClock(),
  });
  const login = (id: string, at: string, ip: string, device: string) => ({
    value: JSON.stringify({
      event_id: id,
      occurred_at: at,
      type: 'login_success',
      user_id: 'u-17',
      user_name: 'dave',
      user_email: 'dave@example.com',
      ip,
      device_id: device,
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    }),
  });
  try {
    const { outcomes } = await engine.process([
      login('e1', '2026-03-19T09:00:00Z', '81.2.69.160', 'laptop'),
      login('e2', '2026-03-19T09:45:00Z', '177.148.157.16', 'phone'),
    ]);
    return outcomes.flatMap((outcome) => documentsOf(outcome, prefix));
  } finally {
    geo.close();
  }
}

test('opensearch: setup makes templates that take every document and a pipeline that stamps event.ingested', async (t) => {
  const { client, engine, prefix } = await createSearch(t);
  const config = loadConfig({ env: { VIGIL_SEARCH_URL: SEARCH_URL, VIGIL_SEARCH_INDEX_PREFIX: prefix } });
  await setupTemplates(config, logger);
  await setupTemplates(config, logger); // idempotent

  const documents = await travelDocuments(prefix);
  assert.deepEqual(
    documents.map((document) => document.kind),
    ['events', 'events', 'signals', 'decisions'],
  );
  const before = new Date().toISOString();
  assert.deepEqual(await writeDocuments(client, documents, ingestPipelineName(prefix)), []);
  // A refused document sent again by hand, with no pipeline named, gets the index's default one.
  const [event] = documents;
  await client.index({ index: event!.index, id: 'by-hand', document: event!.body, refresh: true });
  await client.indices.refresh({ index: `${prefix}-*` });
  const after = new Date().toISOString();

  const { hits } = await client.search<DocumentBody>({ index: `${prefix}-*`, size: 100 });
  assert.equal(hits.hits.length, documents.length + 1);
  for (const hit of hits.hits) {
    const ingested = hit._source!.event!.ingested!;
    assert.ok(ingested >= before.slice(0, 19) && ingested <= after, `${hit._id}: ingested ${ingested}`);
  }

  const mapping = await client.indices.getMapping({ index: event!.index });
  const properties = Object.values(mapping)[0]!.mappings.properties!;
  assert.equal(engine, 'opensearch');
  assert.equal(properties.message!.type, 'text');
  assert.deepEqual((properties.user_agent as { properties: Record<string, unknown> }).properties.original, {
    type: 'keyword',
    ignore_above: 1024,
    fields: { text: { type: 'text' } },
  });
  const byWord = await client.count({
    index: `${prefix}-events-*`,
    query: { match: { 'user_agent.original.text': 'firefox' } },
  });
  assert.equal(byWord.count, 3);
  const alerts = await client.count({
    index: `${prefix}-*`,
    query: { bool: { filter: [{ term: { 'event.kind': 'alert' } }, { term: { 'user.name': 'dave' } }] } },
  });
  assert.equal(alerts.count, 2, 'the impossible travel and its decision');
});

test('opensearch: a verdict marks the decision it judges, in whichever month; an older verdict arriving later does not undo a newer', async (t) => {
  const { client, prefix } = await createSearch(t);
  const config = loadConfig({ env: { VIGIL_SEARCH_URL: SEARCH_URL, VIGIL_SEARCH_INDEX_PREFIX: prefix } });
  await setupTemplates(config, logger);
  const pipeline = ingestPipelineName(prefix);
  const [, , , decision] = await travelDocuments(prefix);
  assert.equal(decision!.kind, 'decisions');
  await writeDocuments(client, [decision!], pipeline);
  await client.indices.refresh({ index: `${prefix}-*` });

  const verdict = (id: string, status: 'benign' | 'confirmed', at: string) =>
    feedbackDocumentsOf(
      {
        status: 'applied',
        key: `key-${id}`,
        changed: [],
        feedback: {
          feedback_id: id,
          occurred_at: at,
          user_id: 'u-17',
          decision_id: decision!.id,
          verdict: status,
          analyst: 'sam',
          reason: `${status} on review`,
          ...(status === 'benign' && { allowlist: { scope: 'user' as const } }),
        },
      },
      prefix,
    );
  // April's verdicts judge a decision of March: each in April's verdicts index, the mark in March's.
  const confirmed = verdict('fb-2', 'confirmed', '2026-04-02T10:00:00+02:00');
  const benign = verdict('fb-1', 'benign', '2026-04-01T08:00:00Z');
  assert.deepEqual(
    benign.map((document) => document.index),
    [`${prefix}-verdicts-2026.04`, `${prefix}-allowlist-2026.04`],
  );
  assert.deepEqual(await writeDocuments(client, confirmed, pipeline), []);
  await client.indices.refresh({ index: `${prefix}-*` });
  assert.deepEqual(await writeDocuments(client, benign, pipeline), []);
  await client.indices.refresh({ index: `${prefix}-*` });

  const marked = await client.get<DocumentBody>({ index: decision!.index, id: decision!.id });
  assert.equal(decision!.index, `${prefix}-decisions-2026.03`);
  assert.deepEqual(marked._source!.vigil.verdict, {
    id: 'fb-2',
    status: 'confirmed',
    analyst: 'sam',
    reason: 'confirmed on review',
    at: '2026-04-02T08:00:00.000Z',
    decision_id: decision!.id,
  });
  assert.equal(marked._source!.vigil.decision!.action, 'step_up', 'the decision itself unchanged');
  const entries = await client.search<DocumentBody>({
    index: `${prefix}-allowlist-*`,
    query: {
      range: { 'vigil.allowlist.expires_at': { gte: '2026-05-01T08:00:00Z', lte: '2026-05-01T08:00:00Z' } },
    },
  });
  assert.deepEqual(
    entries.hits.hits.map((hit) => hit._source!.vigil.allowlist?.id),
    ['fb-1'],
  );
});
