import type { Logger } from './logger.ts';
import type { MetricTotals } from './metrics.ts';

/** One interval of `vigil run`, as its progress line reports it. */
export interface Summary {
  readonly intervalS: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  /** Messages waiting on every consumed topic, as of each partition's last batch. */
  readonly lag: number;
  readonly lagByTopic: Readonly<Record<string, number>>;
  readonly signals: number;
  /** Only the types raised in the interval. */
  readonly signalsByType: Readonly<Record<string, number>>;
  /** Every action, zero included. */
  readonly decisions: Readonly<Record<string, number>>;
  readonly deadLetters: number;
  /** Only the reasons seen in the interval. */
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  /** The stage with the longest mean time per batch in the interval; absent when no batch ran. */
  readonly slowestStage?: string;
  readonly slowestStageMsPerBatch?: number;
}

export const NO_TOTALS: MetricTotals = {
  consumed: 0,
  signals: {},
  decisions: {},
  deadLetters: {},
  lag: {},
  stages: {},
};

/** What changed between two readings of the totals, `elapsedMs` apart. */
export function summarize(before: MetricTotals, after: MetricTotals, elapsedMs: number): Summary {
  const events = after.consumed - before.consumed;
  const signalsByType = nonZero(difference(before.signals, after.signals));
  const deadLettersByReason = nonZero(difference(before.deadLetters, after.deadLetters));
  let slowest: { stage: string; msPerBatch: number } | undefined;
  for (const [stage, { seconds, batches }] of Object.entries(after.stages)) {
    const earlier = before.stages[stage] ?? { seconds: 0, batches: 0 };
    const ran = batches - earlier.batches;
    if (ran <= 0) continue;
    const msPerBatch = ((seconds - earlier.seconds) * 1000) / ran;
    if (!slowest || msPerBatch > slowest.msPerBatch) slowest = { stage, msPerBatch };
  }
  return {
    intervalS: round(elapsedMs / 1000),
    events,
    eventsPerSecond: elapsedMs > 0 ? round((events * 1000) / elapsedMs) : 0,
    lag: sum(after.lag),
    lagByTopic: after.lag,
    signals: sum(signalsByType),
    signalsByType,
    decisions: difference(before.decisions, after.decisions),
    deadLetters: sum(deadLettersByReason),
    deadLettersByReason,
    ...(slowest && { slowestStage: slowest.stage, slowestStageMsPerBatch: round(slowest.msPerBatch) }),
  };
}

/** The progress line's message, for a person reading the log at a terminal. */
export function describeSummary(summary: Summary): string {
  const decisions = Object.entries(summary.decisions)
    .map(([action, count]) => `${action} ${count}`)
    .join(', ');
  const slowest =
    summary.slowestStage === undefined
      ? 'no batch'
      : `slowest stage ${summary.slowestStage} (${summary.slowestStageMsPerBatch} ms a batch)`;
  return (
    `${summary.eventsPerSecond} events/s, lag ${summary.lag}, ${count(summary.signals, 'signal')}, ` +
    `decisions: ${decisions || 'none'}, ${count(summary.deadLetters, 'dead letter')}, ${slowest}`
  );
}

/**
 * Logs one summary line every `intervalMs` (none when 0) from the totals the metrics already keep:
 * a reading costs a few map walks, whatever the traffic. Returns the function that stops it.
 */
export function logProgress(options: {
  readonly intervalMs: number;
  readonly totals: () => Promise<MetricTotals>;
  readonly logger: Logger;
}): () => void {
  const { intervalMs, totals, logger } = options;
  if (intervalMs === 0) return () => {};
  let last = { totals: NO_TOTALS, atMs: Date.now() };
  const tick = async () => {
    const current = { totals: await totals(), atMs: Date.now() };
    const summary = summarize(last.totals, current.totals, current.atMs - last.atMs);
    last = current;
    logger.info(summary, describeSummary(summary));
  };
  const timer = setInterval(() => {
    tick().catch((error: unknown) => logger.warn({ err: error }, 'progress line failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function difference(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

const nonZero = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, count]) => count !== 0));

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((total, count) => total + count, 0);

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const round = (value: number) => Math.round(value * 10) / 10;
