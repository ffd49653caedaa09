/**
 * Failures as data: a code, and whether retrying can help. A transient failure (a dependency away, a
 * timeout, a leader moving, a concurrent writer) holds the batch and retries; a permanent one will fail
 * the same way again, so the batch is split to isolate the event(s) that cause it, which go to the
 * dead-letter topic while the rest carry on.
 */
export const FAILURE_CODES = [
  'redis_unavailable',
  'redis_busy',
  'state_conflict',
  'kafka_unavailable',
  'kafka_rejected',
  'redis_rejected',
  'internal',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Failure {
  readonly code: FailureCode;
  readonly transient: boolean;
}

const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;
/** Redis replies that say "not now": loading, a script running long, slots moving, failover under way. */
const REDIS_BUSY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM|MOVED|ASK)\b/;
/** Kafka errors a broker sends that no retry fixes: the payload itself is refused. */
const KAFKA_REFUSED = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
]);

interface ErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly type?: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly originalError?: unknown;
}

export function classifyFailure(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = e.name ?? '';
  const message = e.message ?? '';
  // The state was dropped for a restore while a batch read users: the batch is redone after it.
  if (message.startsWith('STATE_FORGOTTEN')) return { code: 'state_conflict', transient: true };
  if (name === 'ReplyError') {
    if (REDIS_BUSY.test(message)) return { code: 'redis_busy', transient: true };
    return { code: 'redis_rejected', transient: false };
  }
  if (
    (e.code && NETWORK.test(e.code)) ||
    name === 'MaxRetriesPerRequestError' ||
    name === 'ClusterAllFailedError' ||
    /Connection is closed|Stream isn't writeable|Failed to refresh slots cache|Too many Cluster redirections|Command timed out/.test(
      message,
    )
  )
    return { code: 'redis_unavailable', transient: true };
  if (name.startsWith('KafkaJS')) {
    const cause = (e.cause ?? e.originalError) as ErrorLike | undefined;
    if (KAFKA_REFUSED.has(e.type ?? '') || KAFKA_REFUSED.has(cause?.type ?? ''))
      return { code: 'kafka_rejected', transient: false };
    // Everything else from Kafka (brokers away, leaders moving, a producer to renew) holds the batch:
    // dead-lettering good events because the broker is unwell would lose them.
    return { code: 'kafka_unavailable', transient: true };
  }
  return { code: 'internal', transient: false };
}

/** A failure that retrying will not fix, with its code: the batch it came from is split. */
export class PermanentFailure extends Error {
  readonly code: FailureCode;

  constructor(code: FailureCode, cause: unknown) {
    super(`${code}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PermanentFailure';
    this.code = code;
  }
}

/**
 * An error as a log line carries it: its kind, code and message, cut short. Never its payload: a Redis
 * error holds the command's arguments, which are a user's whole state.
 */
export function briefly(error: unknown): { type: string; code?: string; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = e.message ?? String(error);
  return {
    type: e.name ?? typeof error,
    ...(e.code && { code: e.code }),
    message: message.length > 300 ? `${message.slice(0, 300)}…` : message,
  };
}
