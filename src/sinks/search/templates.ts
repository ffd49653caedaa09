/**
 * Index templates for Vigil's three kinds of document. Field names follow the Elastic Common Schema
 * so Kibana's own apps read them; what ECS has no name for lives under `vigil.*`.
 * Indices are monthly by event time: a document's index and id both follow from the event, so a
 * rewrite after a redelivery lands on the same document.
 */
export const DOCUMENT_KINDS = ['events', 'signals', 'decisions'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function indexName(prefix: string, kind: DocumentKind, timestamp: string): string {
  return `${prefix}-${kind}-${timestamp.slice(0, 7).replace('-', '.')}`;
}

const keyword = { type: 'keyword' } as const;
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
  message: { type: 'text' },
  event: {
    properties: {
      id: keyword,
      kind: keyword,
      category: keyword,
      type: keyword,
      action: keyword,
      outcome: keyword,
      dataset: keyword,
      severity: { type: 'integer' },
      risk_score: { type: 'float' },
      ingested: { type: 'date' },
    },
  },
  user: { properties: { id: keyword } },
  source: { properties: { ip: { type: 'ip' }, geo } },
  user_agent: { properties: { original: { type: 'keyword', ignore_above: 1024 } } },
  service: { properties: { name: keyword } },
  rule: { properties: { id: keyword, name: keyword } },
  vigil: {
    // Evidence varies by signal; what is not mapped here stays in _source, shown but not indexed.
    dynamic: false,
    properties: {
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
        properties: { id: keyword, action: keyword, risk: { type: 'float' }, rule: keyword },
      },
      signals: keyword,
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
          country: keyword,
          device: keyword,
          geoDataDate: keyword,
        },
      },
    },
  },
} as const;

export function indexTemplates(prefix: string) {
  return DOCUMENT_KINDS.map((kind) => ({
    name: `${prefix}-${kind}`,
    index_patterns: [`${prefix}-${kind}-*`],
    priority: 200,
    template: {
      settings: { number_of_shards: 1, refresh_interval: '1s' },
      mappings: { dynamic: 'strict' as const, date_detection: false, properties: common },
    },
    _meta: { managed_by: 'vigil', description: `Vigil ${kind}` },
  }));
}
