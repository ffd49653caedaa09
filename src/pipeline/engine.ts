import { createHash } from 'node:crypto';
import { decide, type Accumulated, type Verdict } from '../decide/decide.ts';
import type { Policy } from '../decide/policy.ts';
import { detectFailureBursts } from '../detect/auth-failures.ts';
import { detectBulkDownload } from '../detect/bulk-download.ts';
import { detectCompromisedDevice } from '../detect/confirmed-compromise.ts';
import { detectImpossibleTravel } from '../detect/impossible-travel.ts';
import { detectNewCountry } from '../detect/new-country.ts';
import { detectNewDevice } from '../detect/new-device.ts';
import { encodePlace } from '../detect/place-code.ts';
import { detectRequestRate } from '../detect/request-rate.ts';
import { detectResourceExploration } from '../detect/resource-exploration.ts';
import type { DetectContext, DetectSettings, Signal } from '../detect/signal.ts';
import { ipv6Prefix64 } from '../enrich/addresses.ts';
import { identifyDevice } from '../enrich/device.ts';
import { inCidr } from '../enrich/networks.ts';
import type { Enricher, EnrichedEvent } from '../enrich/enrich.ts';
import { resourceKey, resourceNormaliser, type ResourceNormaliser } from '../enrich/resources.ts';
import { judgeEventTime, wallClock, type EventClock, type EventTimeBounds } from '../events/event-time.ts';
import { parseEvent, type EventKind, type RejectionCode, type VigilEvent } from '../events/index.ts';
import { allowExpiresMs, parseFeedback, type Feedback } from '../feedback/schema.ts';
import { MemoryGroupAllowlist, type GroupAllowlist, type GroupEntry } from '../state/group-allowlist.ts';
import type {
  AccessView,
  AllowEntry,
  AuthOutcome,
  AuthView,
  FeedbackOp,
  FeedbackView,
  IpFailureView,
  RiskOp,
  RiskView,
  StateLimits,
  StateOp,
  StateStore,
} from '../state/store.ts';

export interface EngineInput {
  readonly value: string | Uint8Array;
  /** The kind the source topic carries; from the event itself when absent. */
  readonly kind?: EventKind;
  /** Where it came from (`topic/partition@offset`, a file's line), for logs about it. */
  readonly origin?: string;
}

/** Two different events that carry one `event_id`: both count, and this says so. */
export interface IdConflict {
  readonly eventId: string;
  readonly first: { readonly origin?: string; readonly user: string; readonly kind: EventKind };
  readonly second: { readonly origin?: string; readonly user: string; readonly kind: EventKind };
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
  | { readonly status: 'rejected'; readonly code: RejectionCode; readonly reason: string }
  | {
      readonly status: 'processed' | 'duplicate';
      readonly enriched: EnrichedEvent;
      /** The event's identity (`eventKeyOf`): documents and ids derive from it. */
      readonly key: string;
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
    maxCountries: settings.device.maxCountriesPerUser,
    bulkWindowMs: settings.bulk.windowMs,
    failureWindowMs: settings.failures.windowMs,
    rateWindowMs: settings.rate.windowMs,
    ratePercentile: settings.rate.baselinePercentile,
    resourceWindowMs: settings.resources.windowMs,
    maxResources: settings.resources.maxPerUser,
    riskHalfLifeMs: settings.risk.halfLifeHours * 3_600_000,
    maxRiskContributions: settings.risk.maxContributions,
    baselineSamples: 20,
    maxWindowEntries: 1000,
    sampleUsers: 10,
    replyTtlMs: 7 * 86_400_000,
    ipFailureTtlMs: 86_400_000,
  };
}

export function eventTimeBounds(settings: DetectSettings): EventTimeBounds {
  return {
    maxSkewMs: settings.eventTime.maxSkewMs,
    maxAgeMs: settings.eventTime.maxAgeMs ?? settings.device.retentionDays * 86_400_000,
  };
}

/**
 * An event's identity is its whole content, not its `event_id` alone: ids are unique per emitter, so two
 * events that share one are still two events, while a redelivery (same id, same content) is the same.
 * Everything derived from an event (state, signal, decision and document ids, the SET `jti`) uses it.
 */
export const eventKeyOf = (event: VigilEvent) => digest(JSON.stringify(event), 12);

export interface EngineOptions {
  readonly store: StateStore;
  readonly enricher: Enricher;
  readonly settings: DetectSettings;
  readonly policy: Policy;
  /** `now` for event-time bounds: the machine's clock unless a replay says otherwise. */
  readonly clock?: EventClock;
  readonly onIdConflict?: (conflict: IdConflict) => void;
  /** Allowlist entries of group scope, shared by every user; in process when absent. */
  readonly groups?: GroupAllowlist;
}

/** Recent ids and what they named, to notice reuse; bounded, oldest forgotten first. */
const RECENT_IDS = 100_000;

/**
 * validate → bound event time → enrich → state (one store call per batch) → detect → decide. Pure of
 * I/O but the store; `replay` drives it from a file and `run` from Kafka.
 */
export class Engine {
  readonly #store: StateStore;
  readonly #enricher: Enricher;
  readonly #settings: DetectSettings;
  readonly #policy: Policy;
  readonly #clock: EventClock;
  readonly #bounds: EventTimeBounds;
  readonly #onIdConflict: ((conflict: IdConflict) => void) | undefined;
  readonly #recentIds = new Map<string, { key: string; source: IdConflict['first'] }>();
  readonly #normalise: ResourceNormaliser;
  readonly #groups: GroupAllowlist;

  constructor(options: EngineOptions) {
    this.#groups = options.groups ?? new MemoryGroupAllowlist();
    this.#store = options.store;
    this.#enricher = options.enricher;
    this.#settings = options.settings;
    this.#policy = options.policy;
    this.#clock = options.clock ?? wallClock();
    this.#bounds = eventTimeBounds(options.settings);
    this.#onIdConflict = options.onIdConflict;
    this.#normalise = resourceNormaliser(options.settings.resources.patterns);
  }

  async process(inputs: readonly EngineInput[]): Promise<ProcessedBatch> {
    const inBatch = new Set<string>();
    const outcomes: (Outcome | Admitted)[] = inputs.map((input) => {
      const parsed = parseEvent(input.value, input.kind);
      if (!parsed.ok) return { status: 'rejected', code: parsed.code, reason: parsed.reason };
      const time = judgeEventTime(Date.parse(parsed.event.occurred_at), this.#clock, this.#bounds);
      if (!time.ok) return { status: 'rejected', code: 'event_time_out_of_range', reason: time.reason };
      const enriched = this.#enricher.enrich(parsed.event);
      const key = eventKeyOf(parsed.event);
      this.#noticeReuse(parsed.event, key, input.origin);
      // The same event twice in one batch is one event: its second copy raises nothing.
      if (inBatch.has(key)) return { status: 'duplicate', enriched, key, signals: [] };
      inBatch.add(key);
      return { enriched, key, ...(input.origin && { origin: input.origin }) };
    });
    const events = outcomes.filter((o): o is Admitted => !('status' in o));
    const ops: StateOp[] = [];
    const planned = events.map(({ enriched, key, origin }) => {
      const plan = this.#plan(enriched, key, origin);
      ops.push(...plan.ops);
      return plan;
    });
    const views = await this.#store.apply(ops);
    const groups = [...new Set(events.flatMap(({ enriched }) => enriched.event.user_group ?? []))];
    const groupEntries = groups.length ? await this.#groups.entriesOf(groups) : new Map();
    let next = 0;
    const judged = events.map((admitted, i) => {
      const plan = planned[i]!;
      const [view, ...ipViews] = views.slice(next, next + plan.ops.length);
      next += plan.ops.length;
      const group = admitted.enriched.event.user_group;
      const ofGroup = (group && groupEntries.get(group)) || [];
      return this.#detect(admitted, plan, view as AuthView | AccessView, ipViews as IpFailureView[], ofGroup);
    });
    // Signals add to their user's risk in a second step, once they are known: one more round trip for
    // the users that raised any, none for the rest.
    const riskOps: RiskOp[] = [];
    const riskOf = judged.map((outcome, i) => {
      if (outcome.status === 'rejected' || outcome.signals.length === 0) return undefined;
      const { origin } = events[i]!;
      riskOps.push({
        kind: 'risk',
        user: outcome.enriched.event.user_id,
        eventKey: `${outcome.key}/risk`,
        atMs: outcome.enriched.atMs,
        ...(origin && { origin }),
        signals: outcome.signals.map((signal) => ({
          id: signal.id.slice(0, 12),
          type: signal.type,
          score: signal.score * (this.#policy.weights[signal.type] ?? 1),
        })),
      });
      return riskOps.length - 1;
    });
    const riskViews = riskOps.length ? ((await this.#store.apply(riskOps)) as RiskView[]) : [];
    const results = new Map<Admitted, Outcome>();
    for (const [i, admitted] of events.entries()) {
      const at = riskOf[i];
      results.set(admitted, this.#decide(judged[i]!, at === undefined ? undefined : riskViews[at]));
    }
    return {
      outcomes: outcomes.map((o) => ('status' in o ? o : results.get(o)!)),
      release: () => this.#store.release([...ops, ...riskOps]),
    };
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  #noticeReuse(event: VigilEvent, key: string, origin: string | undefined): void {
    const ids = this.#recentIds;
    const seen = ids.get(event.event_id);
    const source = { user: event.user_id, kind: event.kind, ...(origin && { origin }) };
    if (seen && seen.key !== key)
      this.#onIdConflict?.({ eventId: event.event_id, first: seen.source, second: source });
    ids.delete(event.event_id);
    ids.set(event.event_id, { key, source });
    if (ids.size > RECENT_IDS) ids.delete(ids.keys().next().value!);
  }

  #plan(enriched: EnrichedEvent, eventKey: string, origin: string | undefined): Plan {
    const event = enriched.event;
    const base = { user: event.user_id, eventKey, atMs: enriched.atMs, ...(origin && { origin }) };
    const place = encodePlace(enriched);
    const country = enriched.placeUsable ? enriched.place?.country : undefined;
    const located = { ...(enriched.device && { device: enriched.device.key }), ...(country && { country }) };
    if (event.kind === 'access') {
      const counted = this.#settings.bulk.actions.includes(event.action);
      const resource = this.#normalise(event.resource);
      return {
        ops: [
          {
            kind: 'access',
            ...base,
            records: counted ? event.records : 0,
            resource: resourceKey(resource),
            ...located,
          },
        ],
        ...(country && { country }),
        resource,
      };
    }
    const outcome = AUTH_OUTCOMES[event.type]!;
    const ops: StateOp[] = [{ kind: 'auth', ...base, outcome, ...(place && { place }), ...located }];
    if (outcome === 'login_failure') {
      ops.push({ kind: 'ip-failure', ip: enriched.ip, ...base });
      const prefix = ipv6Prefix64(enriched.ip);
      if (prefix) ops.push({ kind: 'ip-failure', ip: prefix, ...base });
    }
    return { ops, outcome, ...(place && { place }), ...(country && { country }) };
  }

  #detect(
    { enriched, key }: Admitted,
    plan: Plan,
    view: AuthView | AccessView,
    ipViews: readonly IpFailureView[],
    groupEntries: readonly AllowEntry[],
  ): Outcome {
    const status = view.duplicate ? 'duplicate' : 'processed';
    if (view.duplicate && !view.firstView) return { status, enriched, key, signals: [] };
    const context: DetectContext = {
      enriched,
      settings: this.#settings,
      geoDataDate: this.#enricher.geoDataDate,
    };
    const found =
      view.kind === 'access'
        ? [
            detectBulkDownload(context, view),
            detectRequestRate(context, view),
            detectResourceExploration(context, view, plan.resource),
          ]
        : [
            ...this.#detectAuth(context, plan, view, ipViews),
            plan.outcome === 'login' || plan.outcome === 'success'
              ? detectCompromisedDevice(context, view)
              : undefined,
          ];
    // The user's group's entries act as the user's own, judged at the event's time as theirs are.
    const entries = [
      ...(view.allowlist ?? []),
      ...groupEntries.filter((entry) => entry.expiresMs > enriched.atMs),
    ];
    const signals = found
      .filter((signal): signal is Signal => signal !== undefined)
      .filter((signal) => !allowlisted(signal, enriched.ip, entries))
      .map((signal) => ({ id: digest(`${key}/${signal.type}`, 20), ...subjectOf(enriched), ...signal }));
    return { status, enriched, key, signals };
  }

  /**
   * Applies analysts' verdicts: validated like events, each one once, through the same store as the
   * events, so a user's verdict and events change one record. A confirmed takeover not yet revoked
   * yields a revocation.
   */
  async feedback(inputs: readonly { value: string | Uint8Array; origin?: string }[]): Promise<{
    outcomes: readonly FeedbackOutcome[];
    release(): Promise<void>;
  }> {
    const ops: FeedbackOp[] = [];
    const parsed = inputs.map((input) => {
      const result = parseFeedback(input.value);
      if (!result.ok) return result;
      const atMs = Date.parse(result.feedback.occurred_at);
      const time = judgeEventTime(atMs, this.#clock, this.#bounds);
      if (!time.ok)
        return { ok: false as const, code: 'event_time_out_of_range' as const, reason: time.reason };
      const op = feedbackOp(result.feedback, atMs, input.origin);
      ops.push(op);
      return { ...result, op };
    });
    const views = ops.length ? ((await this.#store.apply(ops)) as FeedbackView[]) : [];
    let next = 0;
    const groupEntries: GroupEntry[] = [];
    const outcomes = parsed.map((result): FeedbackOutcome => {
      if (!result.ok) return { status: 'rejected', code: result.code, reason: result.reason };
      const view = views[next++]!;
      const { feedback, op } = result;
      const status = view.duplicate ? 'duplicate' : 'applied';
      if (view.duplicate && !view.firstView) return { status, feedback, key: op.eventKey, changed: [] };
      const groupEntry = groupEntryOf(feedback);
      if (groupEntry) groupEntries.push(groupEntry);
      const revoke =
        feedback.verdict === 'confirmed' && feedback.decision_action !== 'revoke_sessions'
          ? this.#confirmedRevocation(feedback, op.eventKey)
          : undefined;
      return {
        status,
        feedback,
        key: op.eventKey,
        changed: groupEntry ? [...view.changed, 'group-allowlist'] : view.changed,
        ...(revoke && { decision: revoke }),
      };
    });
    // After the users' records: a batch redone after a failure here finds its verdicts kept, and adds
    // their entries again, by id, which changes nothing.
    for (const { group, ...entry } of groupEntries) await this.#groups.add(group, entry);
    return { outcomes, release: () => this.#store.release(ops) };
  }

  #confirmedRevocation(feedback: Feedback, key: string): DecisionRecord {
    const subject: Subject = {
      event_id: feedback.feedback_id,
      user_id: feedback.user_id,
      occurred_at: feedback.occurred_at,
    };
    const signal: SignalRecord = {
      id: digest(`${key}/confirmed_compromise`, 20),
      ...subject,
      type: 'confirmed_compromise',
      severity: 'critical',
      score: 1,
      summary: `${feedback.analyst} confirmed a takeover: ${feedback.reason}`,
      evidence: {
        decisionId: feedback.decision_id,
        analyst: feedback.analyst,
        reason: feedback.reason,
        ...(feedback.device_id && { device: feedback.device_id }),
      },
    };
    const verdict = decide([signal], this.#policy);
    return { id: digest(`${key}/decision`, 20), ...subject, ...verdict, signals: [signal] };
  }

  /** The decision on an event's signals, with the user's accumulated risk when the store keeps it. */
  #decide(outcome: Outcome, riskView: RiskView | undefined): Outcome {
    if (outcome.status === 'rejected' || outcome.signals.length === 0) return outcome;
    const halfLifeHours = this.#settings.risk.halfLifeHours;
    const accumulated: Accumulated | undefined = riskView && {
      risk: riskView.risk,
      halfLifeHours,
      contributions: riskView.contributions.map(({ id, type, atMs, score, weight }) => ({
        id,
        type,
        at: new Date(atMs).toISOString(),
        score,
        weight,
      })),
    };
    const verdict = decide(outcome.signals, this.#policy, accumulated);
    const decision = {
      id: digest(`${outcome.key}/decision`, 20),
      ...subjectOf(outcome.enriched),
      ...verdict,
      signals: outcome.signals,
    };
    return { ...outcome, decision };
  }

  /** Only a successful authentication places the user on a device and in a country; failures only count. */
  #detectAuth(
    context: DetectContext,
    plan: Plan,
    view: AuthView,
    ipViews: readonly IpFailureView[],
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
        return detectFailureBursts(context, view, ipViews[0], ipViews[1]);
      default:
        return [];
    }
  }
}

/** What an analyst's verdict on a user is applied as. */
export type FeedbackOutcome =
  | { readonly status: 'rejected'; readonly code: RejectionCode; readonly reason: string }
  | {
      readonly status: 'applied' | 'duplicate';
      readonly feedback: Feedback;
      readonly key: string;
      /** What the verdict changed in the user's state. */
      readonly changed: readonly string[];
      /** The revocation a confirmed takeover not yet revoked calls for. */
      readonly decision?: DecisionRecord;
    };

/** A verdict's allowlist entry, as the entries of the user's record are; its scope says where it goes. */
function allowEntryOf(feedback: Feedback): AllowEntry | undefined {
  const entry = feedback.allowlist;
  const expiresMs = allowExpiresMs(feedback);
  if (!entry || expiresMs === undefined) return undefined;
  return {
    id: feedback.feedback_id,
    signals: entry.signals ?? [],
    ...(entry.network && { network: entry.network }),
    owner: feedback.analyst,
    reason: feedback.reason,
    expiresMs,
  };
}

function groupEntryOf(feedback: Feedback): GroupEntry | undefined {
  const group = feedback.allowlist?.group;
  const entry = allowEntryOf(feedback);
  return group && entry ? { group, ...entry } : undefined;
}

function feedbackOp(feedback: Feedback, atMs: number, origin: string | undefined): FeedbackOp {
  const key = digest(JSON.stringify(feedback), 12);
  const device = identifyDevice(feedback.device_id, undefined)?.key;
  // A group's entry is shared by its users, so it is kept apart from this user's record.
  const allow = feedback.allowlist?.scope === 'group' ? undefined : allowEntryOf(feedback);
  return {
    kind: 'feedback',
    user: feedback.user_id,
    eventKey: key,
    atMs,
    verdict: feedback.verdict,
    ...(origin && { origin }),
    ...(device && { device }),
    ...(feedback.country && { country: feedback.country }),
    ...(allow && { allow }),
  };
}

/** An analyst's word never quiets a device they confirmed compromised. */
function allowlisted(signal: Signal, ip: string, entries: readonly AllowEntry[]): boolean {
  if (signal.type === 'confirmed_compromise') return false;
  return entries.some(
    (entry) =>
      (entry.signals.length === 0 || entry.signals.includes(signal.type)) &&
      (entry.network === undefined || inCidr(ip, entry.network)),
  );
}

function subjectOf({ event }: EnrichedEvent): Subject {
  return {
    event_id: event.event_id,
    user_id: event.user_id,
    occurred_at: event.occurred_at,
    ...(event.session_id && { session_id: event.session_id }),
  };
}

/** An event past validation and the time bounds, with its identity. */
interface Admitted {
  readonly enriched: EnrichedEvent;
  readonly key: string;
  readonly origin?: string;
}

interface Plan {
  readonly ops: StateOp[];
  readonly outcome?: AuthOutcome;
  readonly place?: string;
  readonly country?: string;
  /** The access event's resource, normalised. */
  readonly resource?: string;
}
