import { setTimeout as sleep } from 'node:timers/promises';
import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from '../ops/logger.ts';
import type { Sink } from '../ops/metrics.ts';
import { briefly, classifyFailure, PermanentFailure } from './errors.ts';

export class StoppedError extends Error {
  constructor() {
    super('stopped while waiting for a dependency');
    this.name = 'StoppedError';
  }
}

export interface RetryOptions {
  /** Called before every new attempt with the error that failed the last one. */
  readonly onRetry: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Stop retrying (and throw StoppedError) when this says so, e.g. the consumer is shutting down. */
  readonly shouldStop?: () => boolean;
  readonly maxDelayMs?: number;
  /** Fail at once, as a PermanentFailure, on what retrying cannot fix; retry everything when absent. */
  readonly onlyTransient?: boolean;
}

/**
 * Retries until it works: a dependency that is down holds the batch (and so the consumer) instead of
 * losing it. Exponential back-off from 100 ms, capped, with jitter so processors do not retry in step.
 */
export async function retryUntilDone<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const maxDelayMs = options.maxDelayMs ?? 5000;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (options.shouldStop?.()) throw new StoppedError();
      if (options.onlyTransient) {
        const failure = classifyFailure(error);
        if (!failure.transient) throw new PermanentFailure(failure.code, error);
      }
      const delayMs = Math.round(Math.min(maxDelayMs, 100 * 2 ** (n - 1)) * (0.5 + Math.random() / 2));
      await options.onRetry(error, n, delayMs);
      await sleep(delayMs);
      if (options.shouldStop?.()) throw new StoppedError();
    }
  }
}

/**
 * `retryUntilDone` for a Kafka batch handler: each failure is counted against its sink and logged,
 * the consumer heartbeats so the group keeps its partition, and a lost partition or a shutdown stops it.
 * With `onlyTransient`, a failure that will fail again is thrown as a PermanentFailure instead.
 */
export function batchRetry(
  { heartbeat, isRunning, isStale }: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
  metrics: { sinkError(sink: Sink): void },
  logger: Logger,
  holding: string,
  onlyTransient = false,
) {
  return <T>(sink: Sink, attempt: () => Promise<T>) =>
    retryUntilDone(attempt, {
      onlyTransient,
      shouldStop: () => !isRunning() || isStale(),
      onRetry: async (error, n, delayMs) => {
        metrics.sinkError(sink);
        logger.warn(
          { sink, attempt: n, delayMs, err: briefly(error) },
          `${sink} unavailable; holding ${holding}`,
        );
        await heartbeat();
      },
    });
}
