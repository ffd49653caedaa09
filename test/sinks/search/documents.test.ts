import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../../src/cli/wiring.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { newestEventClock } from '../../../src/events/event-time.ts';
import { createLogger } from '../../../src/ops/logger.ts';
import { stateLimits } from '../../../src/pipeline/engine.ts';
import { documentsOf, type SearchDocument } from '../../../src/sinks/search/documents.ts';
import { MemoryStateStore } from '../../../src/state/memory/store.ts';

const LONDON = '81.2.69.160';
const SAO_PAULO = '177.148.157.16';

/** The documents of each event, processed in order by one engine. */
async function documentsFor(events: Record<string, unknown>[]): Promise<SearchDocument[][]> {
  const config = loadConfig({ env: {} });
  const { engine, geo } = createEngine(
    config,
    new MemoryStateStore(stateLimits(config.detect)),
    createLogger({ level: 'silent' }),
    { clock: newestEventClock() },
  );
  try {
    const { outcomes } = await engine.process(events.map((event) => ({ value: JSON.stringify(event) })));
    return outcomes.map((outcome) => documentsOf(outcome, 'vigil'));
  } finally {
    geo.close();
  }
}

const base = { user_id: 'u-17', ip: LONDON };
const [signIn, travel, logout, mfa, exported, deleted] = await documentsFor([
  {
    ...base,
    event_id: 'e1',
    occurred_at: '2026-03-19T09:00:00Z',
    type: 'login_success',
    user_name: 'dave',
    user_email: 'dave@example.com',
  },
  { ...base, event_id: 'e2', occurred_at: '2026-03-19T09:45:00Z', type: 'login_success', ip: SAO_PAULO },
  { ...base, event_id: 'e3', occurred_at: '2026-03-19T09:50:00Z', type: 'logout' },
  { ...base, event_id: 'e4', occurred_at: '2026-03-19T09:51:00Z', type: 'mfa_failure' },
  {
    ...base,
    event_id: 'e5',
    occurred_at: '2026-03-19T09:52:00Z',
    action: 'export',
    resource: 'crm',
    records: 10,
  },
  {
    ...base,
    event_id: 'e6',
    occurred_at: '2026-03-19T09:53:00Z',
    action: 'delete',
    resource: 'crm',
    records: 1,
  },
]);

test("a sign-in is an authentication start with the user's name and e-mail, and ISO 3166-2 region", () => {
  const [document] = signIn!;
  assert.deepEqual(document!.body.event, {
    id: document!.id,
    kind: 'event',
    category: ['authentication'],
    type: ['start'],
    action: 'login_success',
    outcome: 'success',
    dataset: 'vigil.auth',
  });
  assert.deepEqual(document!.body.user, { id: 'u-17', name: 'dave', email: 'dave@example.com' });
  assert.deepEqual(document!.body.ecs, { version: '9.4.0' });
  assert.equal(document!.body.vigil.event_id, 'e1');
  assert.equal(document!.body.source!.geo!.region_iso_code, 'GB-ENG');
});

test('without a name the id stands in for it, and no e-mail is made up', () => {
  assert.deepEqual(travel![0]!.body.user, { id: 'u-17', name: 'u-17' });
});

test('a logout ends, an MFA failure informs, an export accesses and a deletion changes data', () => {
  const categorised = (documents: SearchDocument[] | undefined) => {
    const { category, type, outcome } = documents![0]!.body.event!;
    return { category, type, outcome };
  };
  assert.deepEqual(categorised(logout), { category: ['authentication'], type: ['end'], outcome: 'success' });
  assert.deepEqual(categorised(mfa), { category: ['authentication'], type: ['info'], outcome: 'failure' });
  assert.deepEqual(categorised(exported), { category: ['database'], type: ['access'], outcome: undefined });
  assert.deepEqual(categorised(deleted), { category: ['database'], type: ['change'], outcome: undefined });
});

test('London → São Paulo in 45 min: a high alert (73) and a step-up as severe, each its own event.id', () => {
  const [event, signal, decision] = travel!;
  assert.deepEqual(
    travel!.map((document) => document.kind),
    ['events', 'signals', 'decisions'],
  );
  assert.deepEqual(signal!.body.event, {
    id: signal!.id,
    kind: 'alert',
    category: ['intrusion_detection'],
    type: ['info'],
    severity: 73,
    risk_score: 80,
    dataset: 'vigil.signals',
  });
  assert.deepEqual(decision!.body.event, {
    id: decision!.id,
    kind: 'alert',
    category: ['intrusion_detection'],
    type: ['denied'],
    action: 'step_up',
    severity: 73,
    risk_score: 80,
    dataset: 'vigil.decisions',
  });
  assert.equal(new Set([event!.body.event!.id, signal!.body.event!.id, decision!.body.event!.id]).size, 3);
  for (const document of travel!) assert.equal(document.body.vigil.event_id, 'e2');
});
