import type { EcsEvent } from '@elastic/ecs';
import { decisionSeverity } from '../../decide/decide.ts';
import type { SignalRecord, DecisionRecord, Outcome } from '../../pipeline/engine.ts';
import {
  ACCESS_CATEGORY,
  ACCESS_EVENT_TYPES,
  ALERT_CATEGORY,
  AUTH_EVENT_TYPES,
  DECISION_EVENT_TYPES,
  ECS_VERSION,
  SEVERITY_SCORES,
  type DocumentBody,
} from './ecs.ts';
import { indexName, type DocumentKind } from './templates.ts';

export interface SearchDocument {
  readonly index: string;
  readonly id: string;
  readonly kind: DocumentKind;
  readonly body: DocumentBody;
  /** Fields to copy, once this document is written, under `vigil.` of documents written before it. */
  readonly annotates?: Annotation;
}

/**
 * `vigil.*` fields to set on the documents of `index` (a pattern) with this id, unless they carry a
 * later `at` already: a verdict recorded on the decision it judges, wherever its month put it.
 */
export interface Annotation {
  readonly index: string;
  readonly id: string;
  readonly at: string;
  readonly vigil: Readonly<Record<string, unknown>>;
}

/** The fields of the event a document is about, shared by the event's own document and its alerts. */
export type Common = Pick<DocumentBody, 'ecs' | 'user' | 'source' | 'user_agent' | 'service'>;

/**
 * The documents an outcome writes: the enriched event, and its signals and decision if any. Each
 * document's `event.id` is its own id; the emitter's `event_id` of the event is `vigil.event_id`.
 * `event.ingested` is left to the search engine's ingest pipeline: it is when the document is stored.
 */
export function documentsOf(outcome: Outcome, prefix: string): SearchDocument[] {
  if (outcome.status === 'rejected') return [];
  const { enriched } = outcome;
  const event = enriched.event;
  const place = enriched.place;
  const common: Common = {
    ecs: { version: ECS_VERSION },
    user: {
      id: event.user_id,
      // Kibana's Users and Authentications views group by name: the id stands in when no name is known.
      name: event.user_name ?? event.user_id,
      ...(event.user_email && { email: event.user_email }),
      ...(event.user_group && { group: { name: event.user_group } }),
    },
    source: {
      ip: enriched.ip,
      ...(place && {
        geo: {
          location: { lat: place.lat, lon: place.lon },
          ...(place.country && { country_iso_code: place.country }),
          // ECS wants ISO 3166-2 (`CA-QC`); GeoIP names the subdivision within its country (`QC`).
          ...(place.country && place.region && { region_iso_code: `${place.country}-${place.region}` }),
          ...(place.city && { city_name: place.city }),
        },
      }),
    },
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
        ...common,
        event: {
          id: outcome.key,
          kind: 'event',
          ...(isAuth
            ? {
                category: ['authentication'],
                type: [AUTH_EVENT_TYPES[event.type]],
                action: event.type,
                outcome: event.type.endsWith('_failure') ? 'failure' : 'success',
                dataset: 'vigil.auth',
              }
            : {
                category: [ACCESS_CATEGORY],
                type: [ACCESS_EVENT_TYPES[event.action]],
                action: event.action,
                dataset: 'vigil.access',
              }),
        },
        vigil: {
          event_id: event.event_id,
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
  for (const signal of outcome.signals) documents.push(signalDocument(signal, common, prefix));
  if (outcome.decision) documents.push(decisionDocument(outcome.decision, common, prefix));
  return documents;
}

export function signalDocument(signal: SignalRecord, common: Common, prefix: string): SearchDocument {
  const event: EcsEvent = {
    id: signal.id,
    kind: 'alert',
    category: [ALERT_CATEGORY],
    type: ['info'],
    severity: SEVERITY_SCORES[signal.severity],
    risk_score: Math.round(signal.score * 100),
    dataset: 'vigil.signals',
  };
  return {
    kind: 'signals',
    index: indexName(prefix, 'signals', signal.occurred_at),
    id: signal.id,
    body: {
      '@timestamp': signal.occurred_at,
      message: signal.summary,
      ...common,
      event,
      rule: { id: signal.type, name: signal.type },
      vigil: {
        event_id: signal.event_id,
        ...(signal.session_id && { session_id: signal.session_id }),
        signal: { id: signal.id, type: signal.type, severity: signal.severity, score: signal.score },
        evidence: withLocations(signal.evidence),
      },
    },
  };
}

export function decisionDocument(decision: DecisionRecord, common: Common, prefix: string): SearchDocument {
  const event: EcsEvent = {
    id: decision.id,
    kind: 'alert',
    category: [ALERT_CATEGORY],
    type: [DECISION_EVENT_TYPES[decision.action]],
    action: decision.action,
    severity: SEVERITY_SCORES[decisionSeverity(decision.action, decision.signals)],
    risk_score: Math.round(decision.risk * 100),
    dataset: 'vigil.decisions',
  };
  return {
    kind: 'decisions',
    index: indexName(prefix, 'decisions', decision.occurred_at),
    id: decision.id,
    body: {
      '@timestamp': decision.occurred_at,
      message: `${decision.action}: ${decision.signals.map((s) => s.summary).join('; ')}`,
      ...common,
      event,
      vigil: {
        event_id: decision.event_id,
        ...(decision.session_id && { session_id: decision.session_id }),
        decision: {
          id: decision.id,
          action: decision.action,
          risk: decision.risk,
          ...(decision.rule && { rule: decision.rule }),
          ...(decision.accumulated && {
            accumulated_risk: decision.accumulated.risk,
            contributing_signals: decision.accumulated.contributions.map(({ type }) => type),
          }),
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
