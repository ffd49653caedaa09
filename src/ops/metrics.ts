import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ACTIONS } from '../decide/policy.ts';
import { SIGNAL_TYPES } from '../detect/signal.ts';
import { REJECTION_CODES, type RejectionCode } from '../events/index.ts';

/** What the pipeline reports; stages take this interface, only the composition root knows prom-client. */
export interface PipelineMetrics {
  consumed(topic: string, count: number): void;
  outcome(status: 'processed' | 'duplicate' | 'rejected', count: number): void;
  deadLettered(reason: RejectionCode, count: number): void;
  idConflict(): void;
  signal(type: string): void;
  decision(action: string): void;
  command(action: string): void;
  batchSeconds(seconds: number): void;
  stageSeconds(stage: Stage, seconds: number): void;
  eventToCommandSeconds(seconds: number): void;
  eventTimeLagSeconds(seconds: number): void;
  lag(topic: string, partition: number, lag: number): void;
  sinkError(sink: Sink): void;
  producerReplaced(component: Component): void;
  checkpointed(outcome: 'saved' | 'failed', seconds: number): void;
  replayed(count: number): void;
}

/** The consumers of one process, each in its own group. */
export type Component = 'pipeline' | 'indexer' | 'notifier';

export type Sink = (typeof SINKS)[number];
const SINKS = ['state', 'search', 'kafka', 'dead_letter', 'alertmanager', 'webhook'] as const;

/**
 * Where a batch spends its time, retries included: `state` (validate, enrich, the Redis round trip,
 * detect, decide), `kafka` (the transaction with commands, documents and offsets), `search` (the
 * indexer's bulk write).
 */
export const STAGES = ['state', 'kafka', 'search'] as const;
export type Stage = (typeof STAGES)[number];

/** What the search indexer reports. */
export interface IndexerMetrics {
  indexed(count: number): void;
  stageSeconds(stage: Stage, seconds: number): void;
  deadLettered(reason: 'search_rejected', count: number): void;
  lag(topic: string, partition: number, lag: number): void;
  sinkError(sink: Sink): void;
  producerReplaced(component: Component): void;
}

/**
 * Why a command was not paged: `malformed` (not a token at all), `unverified` (a token Vigil's key did
 * not sign, or not of the published shape), `stale`, `below_severity`.
 */
export const ALERT_SKIP_REASONS = ['below_severity', 'unverified', 'malformed', 'stale'] as const;
export type AlertSkipReason = (typeof ALERT_SKIP_REASONS)[number];

/** What the alert notifier reports. */
export interface AlertMetrics {
  alert(destination: 'alertmanager' | 'webhook', outcome: 'sent' | 'grouped', count?: number): void;
  alertSkipped(reason: AlertSkipReason): void;
  sinkError(sink: Sink): void;
}

/**
 * How a push of one token to one SSF stream ended: `delivered` (2xx), `retried` (5xx, 429 or no answer:
 * queued to try again with back-off), `refused` (another 4xx, final per RFC 8935 §2.3), `given_up`
 * (the last attempt failed).
 */
export const SSF_PUSH_OUTCOMES = ['delivered', 'retried', 'refused', 'given_up'] as const;
export type SsfPushOutcome = (typeof SSF_PUSH_OUTCOMES)[number];

/** What the SSF transmitter and its API report, by stream. */
export interface SsfMetrics {
  /** A stream is known to this process: its series start at zero. */
  ssfStream(streamId: string, method: 'push' | 'poll'): void;
  /** A stream is deleted: its series go. */
  ssfStreamDeleted(streamId: string, method: 'push' | 'poll'): void;
  ssfQueued(streamId: string, method: 'push' | 'poll'): void;
  ssfPush(streamId: string, outcome: SsfPushOutcome): void;
  ssfPoll(streamId: string): void;
  ssfVerification(streamId: string): void;
}

/** Running totals since start, read back from the metrics for the progress line. */
export interface MetricTotals {
  /** Messages read from the input topics. */
  readonly consumed: number;
  readonly signals: Readonly<Record<string, number>>;
  readonly decisions: Readonly<Record<string, number>>;
  readonly deadLetters: Readonly<Record<string, number>>;
  /** Messages behind the end of each consumed topic, as of each partition's last batch. */
  readonly lag: Readonly<Record<string, number>>;
  readonly stages: Readonly<Record<string, { readonly seconds: number; readonly batches: number }>>;
}

/**
 * Every metric name and help text in one place. Known label values start at zero, so dashboards and
 * alert rules see a series (and a rate of 0) before the first dead letter or sink error ever happens.
 */
export function createMetrics(
  options: {
    ready?: () => boolean;
    geoDataBuiltAtMs?: () => number | undefined;
    /** When each running consumer last committed (epoch ms). */
    lastCommitMs?: () => Partial<Record<Component, number>>;
  } = {},
): {
  registry: Registry;
  metrics: PipelineMetrics & IndexerMetrics & AlertMetrics & SsfMetrics;
  totals: () => Promise<MetricTotals>;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' }); // vigil_process_cpu_seconds_total, vigil_nodejs_…
  // Gauges named like counters, which `promtool check metrics` refuses; vigil_nodejs_active_handles{type}
  // and its two siblings hold the same counts by type, so sum() over them gives these back.
  for (const kind of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`vigil_nodejs_active_${kind}_total`);
  const counter = (name: string, help: string, labelNames: string[] = [], known: object[] = []) => {
    const created = new Counter({ name, help, labelNames, registers: [registry] });
    for (const labels of known) created.inc(labels, 0);
    return created;
  };
  const each = <T extends string>(label: string, values: readonly T[]) =>
    values.map((value) => ({ [label]: value }));
  const consumed = counter('vigil_events_consumed_total', 'Messages read from the input topics.', ['topic']);
  const outcomes = counter(
    'vigil_events_total',
    'Events by outcome: processed, duplicate or rejected.',
    ['status'],
    each('status', ['processed', 'duplicate', 'rejected']),
  );
  const deadLetters = counter(
    'vigil_dead_letters_total',
    'Messages sent to the dead-letter topic, by reason.',
    ['reason'],
    each('reason', [...REJECTION_CODES, 'search_rejected']),
  );
  const idConflicts = counter(
    'vigil_event_id_conflicts_total',
    'Different events that carry the same event_id (each is processed as its own event).',
  );
  const indexed = counter(
    'vigil_documents_indexed_total',
    'Documents (events, signals, decisions) written to the search engine.',
  );
  const signals = counter(
    'vigil_signals_total',
    'Signals raised, by type.',
    ['type'],
    each('type', SIGNAL_TYPES),
  );
  const decisions = counter(
    'vigil_decisions_total',
    'Decisions taken on events with signals, by action.',
    ['action'],
    each('action', ACTIONS),
  );
  const commands = counter(
    'vigil_commands_total',
    'Security events published to the command topic, by action.',
    ['action'],
    each('action', ['step_up', 'revoke_sessions']),
  );
  const sinkErrors = counter(
    'vigil_sink_errors_total',
    'Failed attempts to reach a dependency, retried.',
    ['sink'],
    each('sink', SINKS),
  );
  const alerts = counter(
    'vigil_alerts_total',
    'Alerts for on-call by destination: sent, or grouped into an open page.',
    ['destination', 'outcome'],
  );
  const alertsSkipped = counter(
    'vigil_alerts_skipped_total',
    'Commands not paged: below the alerting severity, failing verification, unreadable, or older than an episode.',
    ['reason'],
    each('reason', ALERT_SKIP_REASONS),
  );
  // By stream: a deployment has a handful of receivers, each with a stream or two.
  const ssfQueued = counter(
    'vigil_ssf_events_queued_total',
    'Security events handed to an SSF stream for delivery, by stream and delivery method (push, poll).',
    ['stream', 'method'],
  );
  const ssfPushes = counter(
    'vigil_ssf_pushes_total',
    'SSF push attempts (RFC 8935) by stream and outcome: delivered, retried (later, with back-off), refused by the receiver, given up.',
    ['stream', 'outcome'],
  );
  const ssfPolls = counter(
    'vigil_ssf_poll_requests_total',
    'SSF poll requests (RFC 8936) answered, by stream.',
    ['stream'],
  );
  const ssfVerifications = counter(
    'vigil_ssf_verification_events_total',
    'SSF verification events sent at a receiver’s request, by stream.',
    ['stream'],
  );
  /** Every series of one stream: what a push stream and a poll stream can count. */
  const ssfSeries = (stream: string, method: 'push' | 'poll'): [Counter, Record<string, string>][] => [
    [ssfQueued, { stream, method }],
    ...(method === 'push'
      ? SSF_PUSH_OUTCOMES.map((outcome): [Counter, Record<string, string>] => [
          ssfPushes,
          { stream, outcome },
        ])
      : [[ssfPolls, { stream }] as [Counter, Record<string, string>]]),
    [ssfVerifications, { stream }],
  ];
  new Gauge({
    name: 'vigil_ready',
    help: '1 while the processor is in its consumer group and not stopping.',
    registers: [registry],
    collect() {
      this.set(options.ready?.() ? 1 : 0);
    },
  });
  if (options.geoDataBuiltAtMs) {
    const builtAtMs = options.geoDataBuiltAtMs;
    new Gauge({
      name: 'vigil_geo_data_age_seconds',
      help: 'Age of the GeoIP data in use, from its build date; +Inf when the build date is unknown.',
      registers: [registry],
      collect() {
        const built = builtAtMs();
        this.set(built === undefined ? Infinity : (Date.now() - built) / 1000);
      },
    });
  }
  if (options.lastCommitMs) {
    const lastCommitMs = options.lastCommitMs;
    new Gauge({
      name: 'vigil_last_commit_timestamp_seconds',
      help: 'When each consumer (pipeline, indexer, notifier) last committed its offsets, as a Unix time.',
      labelNames: ['component'],
      registers: [registry],
      collect() {
        for (const [component, ms] of Object.entries(lastCommitMs())) this.set({ component }, ms / 1000);
      },
    });
  }
  const producerReplacements = counter(
    'vigil_producer_replacements_total',
    'Transactional producers closed and replaced after a transaction could not be ended.',
    ['component'],
  );
  const checkpoints = new Histogram({
    name: 'vigil_state_checkpoint_duration_seconds',
    help: "Checkpoints of the users' state to Redis, by outcome: from taking the state to its offsets saved.",
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const outcome of ['saved', 'failed']) checkpoints.zero({ outcome });
  const replayed = counter(
    'vigil_state_replayed_events_total',
    'Events applied to state again after a rebalance or a failure, from the last checkpoint to the committed offsets.',
  );
  const batch = new Histogram({
    name: 'vigil_batch_duration_seconds',
    help: 'From a batch handed over by Kafka to its offsets committed.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const stages = new Histogram({
    name: 'vigil_stage_duration_seconds',
    help: 'Time a batch spends in each stage, retries included: state (validate, enrich, Redis, detect, decide), kafka (the transaction), search (the bulk write).',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const stage of STAGES) stages.zero({ stage });
  // From arrival, not from occurred_at: a replayed or back-filled event is old when it arrives, and
  // Vigil is not slow for it. The event's age is vigil_event_time_lag_seconds.
  const eventToCommand = new Histogram({
    name: 'vigil_event_to_command_seconds',
    help: "From Kafka receiving an event (its record's timestamp) to its revocation or step-up command being committed.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers: [registry],
  });
  const eventTimeLag = new Histogram({
    name: 'vigil_event_time_lag_seconds',
    help: 'From an event occurring (its occurred_at) to Vigil processing it: how old the events are, replays and back-fills included.',
    buckets: [1, 5, 15, 60, 300, 900, 3600, 21600, 86400, 604800, 2592000],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'vigil_consumer_lag',
    help: 'Messages behind the end of each consumed partition (events, documents), as of the last batch.',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  const byLabel = async (metric: Counter | Gauge, label: string) => {
    const totals: Record<string, number> = {};
    for (const { labels, value } of (await metric.get()).values) {
      const key = String(labels[label]);
      totals[key] = (totals[key] ?? 0) + value;
    }
    return totals;
  };
  const totals = async (): Promise<MetricTotals> => {
    const stageTotals: Record<string, { seconds: number; batches: number }> = {};
    for (const { metricName, labels, value } of (await stages.get()).values) {
      const totals = (stageTotals[String(labels.stage)] ??= { seconds: 0, batches: 0 });
      if (metricName?.endsWith('_sum')) totals.seconds = value;
      if (metricName?.endsWith('_count')) totals.batches = value;
    }
    return {
      consumed: Object.values(await byLabel(consumed, 'topic')).reduce((sum, value) => sum + value, 0),
      signals: await byLabel(signals, 'type'),
      decisions: await byLabel(decisions, 'action'),
      deadLetters: await byLabel(deadLetters, 'reason'),
      lag: await byLabel(lag, 'topic'),
      stages: stageTotals,
    };
  };
  return {
    registry,
    totals,
    metrics: {
      consumed: (topic, count) => consumed.inc({ topic }, count),
      outcome: (status, count) => outcomes.inc({ status }, count),
      deadLettered: (reason, count) => deadLetters.inc({ reason }, count),
      idConflict: () => idConflicts.inc(),
      indexed: (count) => indexed.inc(count),
      signal: (type) => signals.inc({ type }),
      decision: (action) => decisions.inc({ action }),
      command: (action) => commands.inc({ action }),
      batchSeconds: (seconds) => batch.observe(seconds),
      stageSeconds: (stage, seconds) => stages.observe({ stage }, seconds),
      eventToCommandSeconds: (seconds) => eventToCommand.observe(seconds),
      eventTimeLagSeconds: (seconds) => eventTimeLag.observe(seconds),
      lag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
      sinkError: (sink) => sinkErrors.inc({ sink }),
      producerReplaced: (component) => producerReplacements.inc({ component }),
      checkpointed: (outcome, seconds) => checkpoints.observe({ outcome }, seconds),
      replayed: (count) => replayed.inc(count),
      alert: (destination, outcome, count = 1) => alerts.inc({ destination, outcome }, count),
      alertSkipped: (reason) => alertsSkipped.inc({ reason }),
      ssfStream: (stream, method) => {
        for (const [metric, labels] of ssfSeries(stream, method)) metric.inc(labels, 0);
      },
      ssfStreamDeleted: (stream, method) => {
        for (const [metric, labels] of ssfSeries(stream, method)) metric.remove(labels);
      },
      ssfQueued: (stream, method) => ssfQueued.inc({ stream, method }),
      ssfPush: (stream, outcome) => ssfPushes.inc({ stream, outcome }),
      ssfPoll: (stream) => ssfPolls.inc({ stream }),
      ssfVerification: (stream) => ssfVerifications.inc({ stream }),
    },
  };
}
