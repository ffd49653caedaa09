import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { EcsFlat, EcsVersion } from '@elastic/ecs';
import { loadConfig } from '../../../src/config/index.ts';
import { newestEventClock } from '../../../src/events/event-time.ts';
import { createEngine } from '../../../src/cli/wiring.ts';
import { createLogger } from '../../../src/ops/logger.ts';
import { MemoryStateStore } from '../../../src/state/memory/store.ts';
import { stateLimits, type Outcome } from '../../../src/pipeline/engine.ts';
import { documentsOf, type SearchDocument } from '../../../src/sinks/search/documents.ts';
import { feedbackDocumentsOf } from '../../../src/sinks/search/feedback-documents.ts';
import { ECS_VERSION } from '../../../src/sinks/search/ecs.ts';
import { indexTemplates } from '../../../src/sinks/search/templates.ts';
import { ACCESS_ACTIONS, AUTH_TYPES } from '../../../src/events/index.ts';
import { SIGNAL_TYPES } from '../../../src/detect/signal.ts';
import { decide } from '../../../src/decide/decide.ts';
import { ACTIONS } from '../../../src/decide/policy.ts';
import type { SearchEngine } from '../../../src/sinks/search/client.ts';

/** The official definitions: type, multi-fields and allowed values of every ECS field. */
interface FieldDefinition {
  readonly type: string;
  readonly multi_fields?: readonly { readonly name: string; readonly type: string }[];
  readonly allowed_values?: readonly { readonly name: string; readonly expected_event_types?: string[] }[];
  readonly normalize?: readonly string[];
}
const ECS = EcsFlat as unknown as Readonly<Record<string, FieldDefinition>>;
const ENGINES: readonly SearchEngine[] = ['elasticsearch', 'opensearch'];
const OWN = 'vigil.';

/** OpenSearch has no `match_only_text`; `text` is its stand-in there, and nothing else may differ. */
const expectedType = (ecsType: string, engine: SearchEngine) =>
  engine === 'opensearch' && ecsType === 'match_only_text' ? 'text' : ecsType;

interface Mapping {
  type?: string;
  dynamic?: boolean | 'strict';
  properties?: Record<string, Mapping>;
  fields?: Record<string, Mapping>;
}

/** Every mapped leaf by its dotted name. */
function mappedFields(properties: Record<string, Mapping>, path = ''): Map<string, Mapping> {
  const fields = new Map<string, Mapping>();
  for (const [name, mapping] of Object.entries(properties)) {
    const flat = `${path}${name}`;
    if (mapping.properties)
      for (const entry of mappedFields(mapping.properties, `${flat}.`)) fields.set(...entry);
    else fields.set(flat, mapping);
  }
  return fields;
}

/**
 * Whether the engine takes a field: mapped, or under an object with `dynamic: false`, which keeps
 * unmapped fields in _source without indexing them (`dynamic: strict` refuses the document).
 */
function accepts(properties: Record<string, Mapping>, name: string, dynamic: Mapping['dynamic']): boolean {
  const [head, ...rest] = name.split('.');
  const mapping = properties[head!];
  if (!mapping) return dynamic === false;
  if (rest.length === 0) return mapping.type !== undefined;
  return !!mapping.properties && accepts(mapping.properties, rest.join('.'), mapping.dynamic ?? dynamic);
}

/** Every leaf value of a document by its dotted name; arrays of scalars stay one value. */
function leaves(value: unknown, path = '', into = new Map<string, unknown>()): Map<string, unknown> {
  const isPoint = (v: object) => Object.keys(v).sort().join() === 'lat,lon';
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPoint(value))
    for (const [name, inner] of Object.entries(value)) leaves(inner, `${path}${name}.`, into);
  else into.set(path.slice(0, -1), value);
  return into;
}

/** Whether a value is one ECS's type takes, as the engine would index it. */
function fits(type: string, value: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'match_only_text':
    case 'text':
      return typeof value === 'string' && value.length > 0;
    case 'long':
      return Number.isSafeInteger(value);
    case 'float':
    case 'double':
    case 'scaled_float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value));
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0;
    case 'geo_point': {
      const point = value as { lat?: unknown; lon?: unknown };
      return typeof point.lat === 'number' && typeof point.lon === 'number';
    }
    default:
      return false;
  }
}

/**
 * Every document Vigil writes for the sample stream (all sign-in types, access actions, signals and
 * decision actions, as a test below checks), plus a sign-in that carries every optional field and
 * the access actions the sample lacks.
 */
async function sampleDocuments(): Promise<SearchDocument[]> {
  const config = loadConfig({ env: {} });
  const logger = createLogger({ level: 'silent' });
  const { engine, geo } = createEngine(config, new MemoryStateStore(stateLimits(config.detect)), logger, {
    clock: newestEventClock(),
  });
  const lines = readFileSync(new URL('../../fixtures/sample.ndjson', import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const complete = {
    event_id: 'complete-1',
    occurred_at: '2026-03-31T23:00:00Z',
    type: 'login_success',
    user_id: 'u-8812',
    user_name: 'ana.lima',
    user_email: 'ana.lima@example.com',
    user_group: 'finance',
    ip: '24.48.0.1', // Montréal, Québec
    session_id: 's-1',
    device_id: 'd-1',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
    service: 'sso',
  };
  const outcomes: Outcome[] = [];
  try {
    for (let i = 0; i < lines.length; i += 500) {
      const batch = await engine.process(lines.slice(i, i + 500).map((value) => ({ value })));
      await batch.release();
      outcomes.push(...batch.outcomes);
    }
    const changes = (['write', 'delete'] as const).map((action, i) => ({
      event_id: `change-${i}`,
      occurred_at: `2026-03-31T23:0${i + 1}:00Z`,
      action,
      resource: 'crm/contacts',
      records: 3,
      bytes: 2048,
      user_id: complete.user_id,
      ip: complete.ip,
    }));
    const last = await engine.process(
      [complete, ...changes].map((event) => ({ value: JSON.stringify(event) })),
    );
    await last.release();
    outcomes.push(...last.outcomes);
    // An analyst confirms the complete sign-in's device compromised; the next sign-in from it raises
    // a confirmed compromise, the one signal no event raises alone.
    const verdict = await engine.feedback([
      {
        value: JSON.stringify({
          kind: 'feedback',
          feedback_id: 'fb-complete-1',
          occurred_at: '2026-03-31T23:10:00Z',
          user_id: complete.user_id,
          decision_id: 'd-complete-1',
          verdict: 'confirmed',
          decision_action: 'revoke_sessions',
          analyst: 'sam',
          reason: 'phished',
          device_id: complete.device_id,
        }),
      },
    ]);
    await verdict.release();
    assert.equal(verdict.outcomes[0]?.status, 'applied');
    const again = await engine.process([
      {
        value: JSON.stringify({
          ...complete,
          event_id: 'complete-2',
          occurred_at: '2026-03-31T23:20:00Z',
          session_id: 's-2',
        }),
      },
    ]);
    await again.release();
    outcomes.push(...again.outcomes);
  } finally {
    geo.close();
  }
  // No sample decision allows (the default policy acts on every signal it sees): the first one again,
  // decided by a policy with no rules, as a document of its own.
  const decided = outcomes.find((outcome) => outcome.status === 'processed' && outcome.decision);
  if (decided?.status !== 'processed') assert.fail('the sample has decisions');
  const allowed: Outcome = {
    ...decided,
    decision: {
      ...decided.decision!,
      ...decide(decided.signals, { weights: {}, rules: [] }),
      id: `${decided.decision!.id}-allowed`,
    },
  };
  return [...outcomes, allowed].flatMap((outcome) => documentsOf(outcome, 'vigil'));
}

const documents = await sampleDocuments();

test('ECS_VERSION is the version of the @elastic/ecs definitions the suite checks against', () => {
  assert.equal(ECS_VERSION, EcsVersion);
});

test('the sample writes every kind of document: each sign-in type, access action, signal and decision', () => {
  const values = (kind: string, pick: (document: SearchDocument) => unknown) =>
    new Set(documents.filter((document) => document.kind === kind).map(pick));
  assert.deepEqual(
    [...values('events', (document) => document.body.event?.action)].sort(),
    [...AUTH_TYPES, ...ACCESS_ACTIONS].sort(),
  );
  assert.deepEqual(
    [...values('signals', (document) => document.body.vigil.signal?.type)].sort(),
    [...SIGNAL_TYPES].sort(),
  );
  assert.deepEqual(
    [...values('decisions', (document) => document.body.vigil.decision?.action)].sort(),
    [...ACTIONS].sort(),
  );
});

for (const engine of ENGINES)
  test(`every ${engine} template maps ECS fields with ECS's types and multi-fields, and ecs.version`, () => {
    for (const template of indexTemplates('vigil', engine)) {
      const fields = mappedFields(template.template.mappings.properties as Record<string, Mapping>);
      assert.equal(fields.get('ecs.version')?.type, 'keyword', `${template.name}: ecs.version`);
      assert.equal(template._meta.ecs_version, EcsVersion);
      let checked = 0;
      for (const [name, mapping] of fields) {
        if (name.startsWith(OWN)) continue;
        const definition = ECS[name];
        assert.ok(definition, `${template.name}: ${name} is no ECS field; Vigil's own go under vigil.*`);
        assert.equal(mapping.type, expectedType(definition.type, engine), `${template.name}: ${name}`);
        assert.deepEqual(
          Object.entries(mapping.fields ?? {}).map(([field, { type }]) => `${field}:${type}`),
          (definition.multi_fields ?? []).map(
            ({ name: field, type }) => `${field}:${expectedType(type, engine)}`,
          ),
          `${template.name}: multi-fields of ${name}`,
        );
        checked++;
      }
      assert.equal(checked, 26, `${template.name}: ECS fields mapped`);
    }
  });

test('OpenSearch maps `message` as text, Elasticsearch as match_only_text', () => {
  const message = (engine: SearchEngine) =>
    (indexTemplates('vigil', engine)[0]!.template.mappings.properties as Record<string, Mapping>).message!
      .type;
  assert.equal(message('elasticsearch'), 'match_only_text');
  assert.equal(message('opensearch'), 'text');
});

test('every field of every document is ECS-typed, within ECS allowed values, and mapped', () => {
  const { mappings } = indexTemplates('vigil', 'elasticsearch')[0]!.template;
  const seen = new Set<string>();
  for (const document of documents) {
    const where = `${document.kind} ${document.id}`;
    for (const [name, value] of leaves(document.body)) {
      seen.add(name);
      assert.ok(
        accepts(mappings.properties as Record<string, Mapping>, name, mappings.dynamic),
        `${where}: ${name} is not mapped (dynamic: strict refuses it)`,
      );
      if (name.startsWith(OWN)) continue;
      const definition = ECS[name];
      assert.ok(definition, `${where}: ${name} is no ECS field`);
      const items = Array.isArray(value) ? value : [value];
      if (Array.isArray(value))
        assert.ok(definition.normalize?.includes('array'), `${where}: ${name} is no array`);
      for (const item of items) {
        assert.ok(
          fits(definition.type, item),
          `${where}: ${name} = ${JSON.stringify(item)} is no ${definition.type}`,
        );
        if (definition.allowed_values)
          assert.ok(
            definition.allowed_values.some((allowed) => allowed.name === item),
            `${where}: ${name} = ${JSON.stringify(item)} is not allowed`,
          );
      }
    }
    const event = document.body.event!;
    assert.equal(document.body.ecs.version, EcsVersion, where);
    // ECS pairs each category with the types it expects: every type must fit every category.
    for (const category of [event.category ?? []].flat()) {
      const expected = ECS['event.category']!.allowed_values!.find(
        (v) => v.name === category,
      )!.expected_event_types!;
      for (const type of [event.type ?? []].flat())
        assert.ok(expected.includes(type), `${where}: event.type ${type} under event.category ${category}`);
    }
    assert.ok(event.category && event.type, `${where}: event.category and event.type`);
  }
  for (const field of [
    'user.name',
    'user.email',
    'source.geo.region_iso_code',
    'user_agent.original',
    'message',
  ])
    assert.ok(seen.has(field), `no document has ${field}`);
});

test('signals and decisions are alerts with a severity; events are events; every event.id is unique', () => {
  for (const document of documents) {
    const event = document.body.event!;
    assert.equal(event.kind, document.kind === 'events' ? 'event' : 'alert', document.id);
    if (document.kind !== 'events') assert.ok(Number.isSafeInteger(event.severity), document.id);
    assert.equal(event.id, document.id);
    assert.equal(event.ingested, undefined, 'stamped by the ingest pipeline, not before the Kafka hop');
  }
  // A redelivered event writes its documents again under the same ids: one id, one document.
  const byId = new Map<string, SearchDocument>();
  for (const document of documents) {
    const first = byId.get(document.body.event!.id!);
    if (first) assert.deepEqual(document, first, `two documents share event.id ${document.id}`);
    else byId.set(document.body.event!.id!, document);
  }
  assert.ok(byId.size > 2500, `${byId.size} distinct documents`);
});

test("Vigil's own fields hold values of their mapped types: evidence, accumulated risk, and every signal's", () => {
  const { mappings } = indexTemplates('vigil', 'elasticsearch')[0]!.template;
  const own = mappedFields(mappings.properties as Record<string, Mapping>);
  const seen = new Set<string>();
  for (const document of documents)
    for (const [name, value] of leaves(document.body)) {
      const mapping = own.get(name);
      if (!name.startsWith(OWN) || !mapping?.type || value === null) continue;
      seen.add(name);
      for (const item of Array.isArray(value) ? value : [value])
        assert.ok(
          fits(mapping.type, item),
          `${document.kind} ${document.id}: ${name} = ${JSON.stringify(item)} is no ${mapping.type}`,
        );
    }
  for (const field of [
    'vigil.evidence.requests',
    'vigil.evidence.requestsPerHour',
    'vigil.evidence.usualRequestsPerHour',
    'vigil.evidence.newResources',
    'vigil.evidence.knownResources',
    'vigil.evidence.resource',
    'vigil.evidence.device',
    'vigil.decision.accumulated_risk',
    'vigil.decision.contributing_signals',
  ])
    assert.ok(seen.has(field), `no document has ${field}`);
  // The signals of the new kinds are alerts like the others, under the same rule and severity fields.
  for (const type of ['unusual_request_rate', 'resource_exploration', 'confirmed_compromise']) {
    const document = documents.find((d) => d.kind === 'signals' && d.body.vigil.signal?.type === type);
    assert.ok(document, `no ${type} document`);
    assert.equal(document.body.event?.kind, 'alert');
    assert.deepEqual(document.body.rule, { id: type, name: type });
    assert.ok(document.body.vigil.evidence && Object.keys(document.body.vigil.evidence).length > 0);
  }
});

test('region codes are ISO 3166-2: Montréal is CA-QC', () => {
  const montreal = documents.find((document) => document.body.vigil.event_id === 'complete-1')!;
  assert.equal(montreal.body.source?.geo?.region_iso_code, 'CA-QC');
  for (const document of documents) {
    const region = document.body.source?.geo?.region_iso_code;
    if (region) assert.match(region, /^[A-Z]{2}-[A-Z0-9]{1,3}$/, document.id);
  }
});

test("a verdict's documents are mapped, and their event.category and event.type are a pair ECS allows", () => {
  const { mappings } = indexTemplates('vigil', 'elasticsearch')[0]!.template;
  const feedback = {
    feedback_id: 'fb-1',
    occurred_at: '2026-03-31T23:10:00Z',
    user_id: 'ana',
    decision_id: 'd-1',
    verdict: 'benign' as const,
    analyst: 'sam',
    reason: 'SRE offsite',
    allowlist: { scope: 'group' as const, group: 'sre', signals: ['new_country' as const] },
  };
  const written = feedbackDocumentsOf(
    { status: 'applied', feedback, key: 'k1', changed: ['group-allowlist'] },
    'vigil',
  );
  assert.deepEqual(
    written.map((document) => document.kind),
    ['verdicts', 'allowlist'],
  );
  assert.equal(written[1]!.body.vigil.allowlist?.group, 'sre');
  for (const document of written) {
    for (const [name] of leaves(document.body))
      assert.ok(
        accepts(mappings.properties as Record<string, Mapping>, name, mappings.dynamic),
        `${document.kind}: ${name} is not mapped`,
      );
    const event = document.body.event!;
    for (const category of [event.category ?? []].flat()) {
      const expected = ECS['event.category']!.allowed_values!.find(
        (v) => v.name === category,
      )!.expected_event_types!;
      for (const type of [event.type ?? []].flat())
        assert.ok(expected.includes(type), `${document.kind}: ${type} under ${category}`);
    }
  }
});
