import { createHash } from 'node:crypto';
import { decide, type Verdict } from '../decide/decide.ts';
import type { Policy } from '../decide/policy.ts';
import { detectFailureBursts } from '../detect/auth-failures.ts';
import { detectBulkDownload } from '../detect/bulk-download.ts';
import { detectImpossibleTravel } from '../detect/impossible-travel.ts';
import { detectNewCountry } from '../detect/new-country.ts';
import { detectNewDevice } from '../detect/new-device.ts';
import { encodePlace } from '../detect/place-code.ts';
import type { DetectContext, DetectSettings, Signal } from '../detect/signal.ts';
import type { Enricher, EnrichedEvent } from '../enrich/enrich.ts';
import { parseEvent, type EventKind } from '../events/index.ts';
import type {
  AccessView,
  AuthOutcome,
  AuthView,
  IpFailureView,
  StateLimits,
  StateOp,
  StateStore,
} from '../state/store.ts';

export interface EngineInput {
  readonly value: string | Uint8Array;
  /** The kind the source topic carries; from the event itself when absent. */
  readonly kind?: EventKind;
}

/** Who and when, shared by a signal and a decision so each stands alone in a sink. */
interface Subject {
  readonly event_id: string;
  readonly user_id: string;
  readonly occurred_at: string;
  readonly session_id?: string;
}

export type SignalRecord = Signal & Subject & { readonly id: string };
export type DecisionRecord = Subject &
  Verdict & { readonly id: string; readonly signals: readonly SignalRecord[] };

/**
 * `duplicate` is an event seen before. While its first view is kept (the batch that first applied it
 * was not released) it raises the same signals and decision again, with the same ids, so sinks that
 * missed them get them and sinks that had them overwrite nothing new.
 */
export type Outcome =
  | { readonly status: 'rejected'; readonly reason: string }
  | {
      readonly status: 'processed' | 'duplicate';
      readonly enriched: EnrichedEvent;
      readonly signals: readonly SignalRecord[];
      /** Present when the event raised at least one signal. */
      readonly decision?: DecisionRecord;
    };

export interface ProcessedBatch {
  readonly outcomes: readonly Outcome[];
  /** Call once every sink holds the batch's effects: the store stops keeping first views for a retry. */
  release(): Promise<void>;
}

const AUTH_OUTCOMES: Record<string, AuthOutcome> = {
  login_success: 'login',
  mfa_success: 'success',
  token_refresh: 'success',
  login_failure: 'login_failure',
  mfa_failure: 'mfa_failure',
  logout: 'other',
};

/** Deterministic ids: redelivery of an event yields the same documents and commands, never new ones. */
export const digest = (text: string, length: number) =>
  createHash('sha256').update(text).digest('base64url').slice(0, length);

export function stateLimits(settings: DetectSettings): StateLimits {
  return {
    historySize: settings.travel.historySize,
    historyTtlMs: settings.travel.historyDays * 86_400_000,
    retentionMs: settings.device.retentionDays * 86_400_000,
    maxDevices: settings.device.maxPerUser,
    bulkWindowMs: settings.bulk.windowMs,
    failureWindowMs: settings.failures.windowMs,
    baselineSamples: 20,
    maxWindowEntries: 1000,
    sampleUsers: 10,
    replyTtlMs: 7 * 86_400_000,
  };
}

/**
 * validate → enrich → state (one store call per batch) → detect → decide. Pure of I/O but the store;
 * `replay` drives it from a file and `run` from Kafka.
 */
export class Engine {
  readonly #store: StateStore;
  readonly #enricher: Enricher;
  readonly #settings: DetectSettings;
  readonly #policy: Policy;

  constructor(options: { store: StateStore; enricher: Enricher; settings: DetectSettings; policy: Policy }) {
    this.#store = options.store;
    this.#enricher = options.enricher;
    this.#settings = options.settings;
    this.#policy = options.policy;
  }

  async process(inputs: readonly EngineInput[]): Promise<ProcessedBatch> {
    const outcomes: (Outcome | EnrichedEvent)[] = inputs.map((input) => {
      const parsed = parseEvent(input.value, input.kind);
      return parsed.ok ? this.#enricher.enrich(parsed.event) : { status: 'rejected', reason: parsed.reason };
    });
    const events = outcomes.filter((o): o is EnrichedEvent => !('status' in o));
    const ops: StateOp[] = [];
    const planned = events.map((enriched) => {
      const plan = this.#plan(enriched);
      ops.push(...plan.ops);
      return plan;
    });
    const views = await this.#store.apply(ops);
    let next = 0;
    const results = new Map<EnrichedEvent, Outcome>();
    for (const [i, enriched] of events.entries()) {
      const plan = planned[i]!;
      const own = views.slice(next, next + plan.ops.length);
      next += plan.ops.length;
      results.set(
        enriched,
        this.#judge(enriched, plan, own[0] as AuthView | AccessView, own[1] as IpFailureView | undefined),
      );
    }
    return {
      outcomes: outcomes.map((o) => ('status' in o ? o : results.get(o)!)),
      release: () => this.#store.release(ops),
    };
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  #plan(enriched: EnrichedEvent): Plan {
    const event = enriched.event;
    const base = { user: event.user_id, eventKey: digest(event.event_id, 12), atMs: enriched.atMs };
    const place = encodePlace(enriched);
    const country = enriched.placeUsable ? enriched.place?.country : undefined;
    const located = { ...(enriched.device && { device: enriched.device.key }), ...(country && { country }) };
    if (event.kind === 'access') {
      const counted = this.#settings.bulk.actions.includes(event.action);
      return {
        ops: [{ kind: 'access', ...base, records: counted ? event.records : 0, ...located }],
        ...(country && { country }),
      };
    }
    const outcome = AUTH_OUTCOMES[event.type]!;
    const ops: StateOp[] = [{ kind: 'auth', ...base, outcome, ...(place && { place }), ...located }];
    if (outcome === 'login_failure') ops.push({ kind: 'ip-failure', ip: enriched.ip, ...base });
    return { ops, outcome, ...(place && { place }), ...(country && { country }) };
  }

  #judge(
    enriched: EnrichedEvent,
    plan: Plan,
    view: AuthView | AccessView,
    ipView: IpFailureView | undefined,
  ): Outcome {
    const status = view.duplicate ? 'duplicate' : 'processed';
    if (view.duplicate && !view.firstView) return { status, enriched, signals: [] };
    const context: DetectContext = {
      enriched,
      settings: this.#settings,
      geoDataDate: this.#enricher.geoDataDate,
    };
    const found =
      view.kind === 'access'
        ? [detectBulkDownload(context, view)]
        : this.#detectAuth(context, plan, view, ipView);
    const event = enriched.event;
    const subject: Subject = {
      event_id: event.event_id,
      user_id: event.user_id,
      occurred_at: event.occurred_at,
      ...(event.session_id && { session_id: event.session_id }),
    };
    const signals = found
      .filter((signal): signal is Signal => signal !== undefined)
      .map((signal) => ({ id: digest(`${event.event_id}/${signal.type}`, 20), ...subject, ...signal }));
    if (signals.length === 0) return { status, enriched, signals };
    const verdict = decide(signals, this.#policy);
    const decision = { id: digest(`${event.event_id}/decision`, 20), ...subject, ...verdict, signals };
    return { status, enriched, signals, decision };
  }

  /** Only a successful authentication places the user on a device and in a country; failures only count. */
  #detectAuth(
    context: DetectContext,
    plan: Plan,
    view: AuthView,
    ipView: IpFailureView | undefined,
  ): (Signal | undefined)[] {
    switch (plan.outcome) {
      case 'login':
      case 'success':
        return [
          detectImpossibleTravel(context, view, plan.place),
          detectNewDevice(context, view),
          detectNewCountry(context, view, plan.country),
        ];
      case 'login_failure':
      case 'mfa_failure':
        return detectFailureBursts(context, view, ipView);
      default:
        return [];
    }
  }
}

interface Plan {
  readonly ops: StateOp[];
  readonly outcome?: AuthOutcome;
  readonly place?: string;
  readonly country?: string;
}
