import type { SignalRecord, DecisionRecord, Outcome } from '../../pipeline/engine.ts';
import { indexName, type DocumentKind } from './templates.ts';

export interface SearchDocument {
  readonly index: string;
  readonly id: string;
  readonly kind: DocumentKind;
  readonly body: Record<string, unknown>;
}

// Elastic's severity scale for alerts, so Kibana orders them as it does its own.
const SEVERITY = { low: 21, medium: 47, high: 73, critical: 99 } as const;

/** The documents an outcome writes: the enriched event, and its signals and decision if any. */
export function documentsOf(outcome: Outcome, prefix: string, ingested: string): SearchDocument[] {
  if (outcome.status === 'rejected') return [];
  const { enriched } = outcome;
  const event = enriched.event;
  const place = enriched.place;
  const source = {
    ip: enriched.ip,
    ...(place && {
      geo: {
        location: { lat: place.lat, lon: place.lon },
        ...(place.country && { country_iso_code: place.country }),
        ...(place.region && { region_iso_code: place.region }),
        ...(place.city && { city_name: place.city }),
      },
    }),
  };
  const common = {
    user: { id: event.user_id },
    source,
    ...(event.user_agent && { user_agent: { original: event.user_agent } }),
    ...(event.service && { service: { name: event.service } }),
  };
  const isAuth = event.kind === 'auth';
  const documents: SearchDocument[] = [
    {
      kind: 'events',
      index: indexName(prefix, 'events', event.occurred_at),
      // Two events may share an `event_id` (ids are unique per emitter): the document is the event's own.
      id: outcome.key,
      body: {
        '@timestamp': event.occurred_at,
        event: {
          id: event.event_id,
          kind: 'event',
          category: isAuth ? ['authentication'] : ['file'],
          action: isAuth ? event.type : event.action,
          ...(isAuth && { outcome: event.type.endsWith('_failure') ? 'failure' : 'success' }),
          dataset: isAuth ? 'vigil.auth' : 'vigil.access',
          ingested,
        },
        ...common,
        vigil: {
          network: enriched.network,
          ...(event.session_id && { session_id: event.session_id }),
          ...(enriched.device && { device: enriched.device.key }),
          ...(place && { geo_accuracy_km: place.accuracyKm, geo_source: place.source }),
          ...(!isAuth && { resource: event.resource, records: event.records }),
          ...(!isAuth && event.bytes !== undefined && { bytes: event.bytes }),
        },
      },
    },
  ];
  for (const signal of outcome.signals) documents.push(signalDocument(signal, common, prefix, ingested));
  if (outcome.decision) documents.push(decisionDocument(outcome.decision, common, prefix, ingested));
  return documents;
}

function signalDocument(
  signal: SignalRecord,
  common: object,
  prefix: string,
  ingested: string,
): SearchDocument {
  return {
    kind: 'signals',
    index: indexName(prefix, 'signals', signal.occurred_at),
    id: signal.id,
    body: {
      '@timestamp': signal.occurred_at,
      message: signal.summary,
      event: {
        id: signal.event_id,
        kind: 'signal',
        severity: SEVERITY[signal.severity],
        risk_score: Math.round(signal.score * 100),
        dataset: 'vigil.signals',
        ingested,
      },
      rule: { id: signal.type, name: signal.type },
      ...common,
      vigil: {
        ...(signal.session_id && { session_id: signal.session_id }),
        signal: { id: signal.id, type: signal.type, severity: signal.severity, score: signal.score },
        evidence: withLocations(signal.evidence),
      },
    },
  };
}

function decisionDocument(
  decision: DecisionRecord,
  common: object,
  prefix: string,
  ingested: string,
): SearchDocument {
  return {
    kind: 'decisions',
    index: indexName(prefix, 'decisions', decision.occurred_at),
    id: decision.id,
    body: {
      '@timestamp': decision.occurred_at,
      message: `${decision.action}: ${decision.signals.map((s) => s.summary).join('; ')}`,
      event: {
        id: decision.event_id,
        kind: 'alert',
        action: decision.action,
        risk_score: Math.round(decision.risk * 100),
        dataset: 'vigil.decisions',
        ingested,
      },
      ...common,
      vigil: {
        ...(decision.session_id && { session_id: decision.session_id }),
        decision: {
          id: decision.id,
          action: decision.action,
          risk: decision.risk,
          ...(decision.rule && { rule: decision.rule }),
        },
        signals: decision.signals.map((signal) => signal.type),
      },
    },
  };
}

/** Travel evidence keeps lat/lon apart for people; a geo_point beside them puts both ends on a map. */
function withLocations(evidence: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const located = (value: unknown) => {
    const place = value as { lat?: number; lon?: number } | undefined;
    return place?.lat !== undefined && place.lon !== undefined
      ? { ...place, location: { lat: place.lat, lon: place.lon } }
      : value;
  };
  return 'from' in evidence
    ? { ...evidence, from: located(evidence.from), to: located(evidence.to) }
    : { ...evidence };
}
