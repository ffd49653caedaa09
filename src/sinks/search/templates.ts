import type { SearchEngine } from './client.ts';
import { ECS_VERSION } from './ecs.ts';

/**
 * Index templates for Vigil's kinds of document: events, what they raised, analysts' verdicts and the
 * allowlist entries those created. Field names and types follow the Elastic
 * Common Schema (`ECS_VERSION`) so Kibana's own apps read them; what ECS has no name for lives under
 * `vigil.*`. Indices are monthly by event time: a document's index and id both follow from the
 * event, so a rewrite after a redelivery lands on the same document.
 */
export const DOCUMENT_KINDS = ['events', 'signals', 'decisions', 'verdicts', 'allowlist'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function indexName(prefix: string, kind: DocumentKind, timestamp: string): string {
  return `${prefix}-${kind}-${timestamp.slice(0, 7).replace('-', '.')}`;
}

const keyword = { type: 'keyword' } as const;
// ECS's `match_only_text` is Elasticsearch's (7.14+); OpenSearch has no such type, and `text` is what
// it stands for there, at the cost of positions kept on disk.
const freeText = (engine: SearchEngine) =>
  ({ type: engine === 'opensearch' ? 'text' : 'match_only_text' }) as const;
/** ECS's keyword with a `.text` multi-field, for names and user agents searched by their words. */
const keywordWithText = (engine: SearchEngine) =>
  ({ type: 'keyword', ignore_above: 1024, fields: { text: freeText(engine) } }) as const;
const geo = {
  properties: {
    location: { type: 'geo_point' },
    country_iso_code: keyword,
    region_iso_code: keyword,
    city_name: keyword,
  },
} as const;
const place = {
  properties: {
    at: { type: 'date' },
    ip: { type: 'ip' },
    country: keyword,
    city: keyword,
    location: { type: 'geo_point' },
    accuracyKm: { type: 'float' },
  },
} as const;

const common = {
  '@timestamp': { type: 'date' },
  ecs: { properties: { version: keyword } },
  event: {
    properties: {
      id: keyword,
      kind: keyword,
      category: keyword,
      type: keyword,
      action: keyword,
      outcome: keyword,
      dataset: keyword,
      severity: { type: 'long' },
      risk_score: { type: 'float' },
      ingested: { type: 'date' },
    },
  },
  source: { properties: { ip: { type: 'ip' }, geo } },
  service: { properties: { name: keyword } },
  rule: { properties: { id: keyword, name: keyword } },
  vigil: {
    // Evidence varies by signal; what is not mapped here stays in _source, shown but not indexed.
    dynamic: false,
    properties: {
      event_id: keyword,
      session_id: keyword,
      device: keyword,
      network: keyword,
      resource: keyword,
      records: { type: 'long' },
      bytes: { type: 'long' },
      geo_accuracy_km: { type: 'float' },
      geo_source: keyword,
      signal: {
        properties: { id: keyword, type: keyword, severity: keyword, score: { type: 'float' } },
      },
      decision: {
        properties: {
          id: keyword,
          action: keyword,
          risk: { type: 'float' },
          rule: keyword,
          accumulated_risk: { type: 'float' },
          contributing_signals: keyword,
        },
      },
      signals: keyword,
      verdict: {
        properties: {
          id: keyword,
          status: keyword,
          analyst: keyword,
          reason: keyword,
          at: { type: 'date' },
          decision_id: keyword,
        },
      },
      allowlist: {
        properties: {
          id: keyword,
          scope: keyword,
          signals: keyword,
          network: keyword,
          group: keyword,
          owner: keyword,
          reason: keyword,
          expires_at: { type: 'date' },
        },
      },
      evidence: {
        dynamic: false,
        properties: {
          from: place,
          to: place,
          distanceKm: { type: 'float' },
          effectiveDistanceKm: { type: 'float' },
          speedKmh: { type: 'float' },
          gapSeconds: { type: 'long' },
          records: { type: 'long' },
          failures: { type: 'long' },
          users: { type: 'long' },
          requests: { type: 'long' },
          requestsPerHour: { type: 'float' },
          usualRequestsPerHour: { type: 'float' },
          newResources: { type: 'long' },
          knownResources: { type: 'long' },
          resource: keyword,
          country: keyword,
          device: keyword,
          geoDataDate: keyword,
        },
      },
    },
  },
} as const;

/** Every field; those whose ECS type only Elasticsearch has get OpenSearch's stand-in there. */
const properties = (engine: SearchEngine) => ({
  ...common,
  message: freeText(engine),
  user: {
    properties: {
      id: keyword,
      name: keywordWithText(engine),
      email: keyword,
      group: { properties: { name: keyword } },
    },
  },
  user_agent: { properties: { original: keywordWithText(engine) } },
});

export const ingestPipelineName = (prefix: string) => `${prefix}-ingest`;

/**
 * Stamps `event.ingested` when the engine stores a document, not when the processor made it: the
 * documents wait on a Kafka topic for the indexer, and a late indexer must not make alerts look older
 * to rules that look back from ingestion. Both Elasticsearch and OpenSearch run this processor.
 */
export function ingestPipeline(prefix: string) {
  return {
    id: ingestPipelineName(prefix),
    description: 'Vigil: event.ingested is when the document is indexed',
    // No `_meta`: OpenSearch's pipelines refuse it.
    processors: [{ set: { field: 'event.ingested', value: '{{_ingest.timestamp}}' } }],
  };
}

export function indexTemplates(
  prefix: string,
  engine: SearchEngine,
  options: { replicas?: number | undefined } = {},
) {
  return DOCUMENT_KINDS.map((kind) => ({
    name: `${prefix}-${kind}`,
    index_patterns: [`${prefix}-${kind}-*`],
    priority: 200,
    template: {
      settings: {
        number_of_shards: 1,
        refresh_interval: '1s',
        // For any writer (a dead letter sent again by hand too); the indexer also names it per request,
        // which reaches the indices created before the pipeline existed.
        default_pipeline: ingestPipelineName(prefix),
        ...(options.replicas !== undefined && { number_of_replicas: options.replicas }),
      },
      mappings: {
        dynamic: 'strict' as const,
        date_detection: false,
        properties: properties(engine),
        _meta: { ecs_version: ECS_VERSION },
      },
    },
    _meta: { managed_by: 'vigil', description: `Vigil ${kind}`, ecs_version: ECS_VERSION },
  }));
}
