import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type KafkaConfig, type Producer } from 'kafkajs';
import type { z } from 'zod';
import { accessEventSchema, authEventSchema } from './contract/events/schema.ts';
import { VigilClientError } from './errors.ts';

type AuthFields = z.input<typeof authEventSchema>;
type AccessFields = z.input<typeof accessEventSchema>;
type Defaulted = 'event_id' | 'occurred_at' | 'kind';

/** An auth event as a service writes it: `event_id` and `occurred_at` default to a UUID and now. */
export type AuthEventInput = Omit<AuthFields, Defaulted> &
  Partial<Pick<AuthFields, 'event_id' | 'occurred_at'>>;
export type AccessEventInput = Omit<AccessFields, Defaulted> &
  Partial<Pick<AccessFields, 'event_id' | 'occurred_at'>>;
/** A sign-in outcome: an auth event without its type. */
export type SignInFields = Omit<AuthEventInput, 'type'>;

export interface EmitterOptions {
  /** Kafka bootstrap servers; or pass a configured `kafka` client instead. */
  readonly brokers?: readonly string[];
  readonly kafka?: Kafka;
  /** Extra kafkajs settings (ssl, sasl, …) when the emitter builds the client. */
  readonly kafkaConfig?: Omit<KafkaConfig, 'brokers'>;
  /** Vigil's input topics; its defaults when left out. */
  readonly topics?: { readonly auth?: string; readonly access?: string };
  /** Written as `service` on every event that does not name one. */
  readonly service?: string;
  /** Events per Kafka request; 500 by default. */
  readonly batchSize?: number;
  /** How long an event may wait for others to share its request; 5 ms by default. */
  readonly lingerMs?: number;
  /**
   * Events accepted but not yet acknowledged by Kafka, beyond which `auth` and `access` wait for room
   * instead of buffering more; 10,000 by default. A service that awaits them slows down with Kafka.
   */
  readonly maxBufferedEvents?: number;
}

export interface Emitter {
  /** Validates at once (throws `invalid_event`), then resolves when Kafka has the event. */
  auth(event: AuthEventInput): Promise<void>;
  access(event: AccessEventInput): Promise<void>;
  signedIn(fields: SignInFields): Promise<void>;
  signInFailed(fields: SignInFields): Promise<void>;
  mfaPassed(fields: SignInFields): Promise<void>;
  mfaFailed(fields: SignInFields): Promise<void>;
  signedOut(fields: SignInFields): Promise<void>;
  /** Events accepted and not yet acknowledged by Kafka: never more than `maxBufferedEvents`. */
  buffered(): number;
  /** Resolves when everything accepted so far is in Kafka. */
  flush(): Promise<void>;
  /** Flushes, then disconnects; later sends are refused with `closed`. */
  close(): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_TOPICS = { auth: 'vigil.auth-events', access: 'vigil.access-events' };

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'event'}: ${issue.message}`)
    .join('; ');
}

/**
 * Sends events to Vigil's input topics, checked against the v1 contract before they leave: a bad event
 * is an exception where it is written, not a dead letter found later. Events are keyed by user (so a
 * user's events stay in order, on the same partition of both topics), sent in batches by an
 * idempotent producer, and never dropped: when Kafka falls behind, callers wait instead.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  const kafka =
    options.kafka ??
    new Kafka({
      clientId: 'vigil-emitter',
      logLevel: logLevel.WARN,
      ...options.kafkaConfig,
      brokers: [...(options.brokers ?? [])],
    });
  const topics = { ...DEFAULT_TOPICS, ...options.topics };
  const batchSize = options.batchSize ?? 500;
  const lingerMs = options.lingerMs ?? 5;
  const maxBuffered = options.maxBufferedEvents ?? 10_000;
  // The Java client's partitioner, which Vigil's own tools use: one user, one partition number.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let connected: Promise<void> | undefined;
  const queue: Pending[] = [];
  let inFlight = 0;
  let sending: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const roomWaiters: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];

  const buffered = () => queue.length + inFlight;

  function wakeWaiters() {
    while (roomWaiters.length && buffered() < maxBuffered) roomWaiters.shift()!();
    if (buffered() === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  async function sendOne(batch: Pending[]) {
    connected ??= producer.connect();
    await connected;
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const { topic, key, value } of batch) {
      const list = byTopic.get(topic) ?? [];
      list.push({ key, value });
      byTopic.set(topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  function drain() {
    if (sending || !queue.length) return;
    clearTimeout(timer);
    timer = undefined;
    const batch = queue.splice(0, batchSize);
    inFlight = batch.length;
    sending = sendOne(batch).then(
      () => batch.forEach((item) => item.resolve()),
      (error: unknown) =>
        batch.forEach((item) =>
          item.reject(
            new VigilClientError('send_failed', `Kafka refused the events: ${String(error)}`, {
              cause: error,
            }),
          ),
        ),
    );
    void sending.finally(() => {
      sending = undefined;
      inFlight = 0;
      wakeWaiters();
      if (queue.length >= batchSize) drain();
      else schedule();
    });
  }

  function schedule() {
    if (!queue.length || timer || sending) return;
    timer = setTimeout(drain, lingerMs);
  }

  async function enqueue(topic: string, key: string, value: string): Promise<void> {
    while (buffered() >= maxBuffered) {
      await new Promise<void>((resolve) => roomWaiters.push(resolve));
      if (closed) throw new VigilClientError('closed', 'the emitter is closed');
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ topic, key, value, resolve, reject });
      if (queue.length >= batchSize) drain();
      else schedule();
    });
  }

  function withDefaults<T extends { event_id?: string; occurred_at?: string; service?: string }>(event: T) {
    return {
      ...event,
      event_id: event.event_id ?? randomUUID(),
      occurred_at: event.occurred_at ?? new Date().toISOString(),
      ...(options.service && !event.service && { service: options.service }),
    };
  }

  function send(kind: 'auth' | 'access', input: AuthEventInput | AccessEventInput): Promise<void> {
    if (closed) throw new VigilClientError('closed', 'the emitter is closed');
    const event = { kind, ...withDefaults(input) };
    const parsed = (kind === 'auth' ? authEventSchema : accessEventSchema).safeParse(event);
    if (!parsed.success)
      throw new VigilClientError('invalid_event', `${kind} event: ${describeIssues(parsed.error.issues)}`);
    return enqueue(topics[kind], parsed.data.user_id, JSON.stringify(parsed.data));
  }

  const auth = (event: AuthEventInput) => send('auth', event);
  const outcome = (type: AuthFields['type']) => (fields: SignInFields) => auth({ ...fields, type });

  async function flush() {
    drain();
    if (buffered() === 0) return;
    await new Promise<void>((resolve) => idleWaiters.push(resolve));
  }

  return {
    auth,
    access: (event) => send('access', event),
    signedIn: outcome('login_success'),
    signInFailed: outcome('login_failure'),
    mfaPassed: outcome('mfa_success'),
    mfaFailed: outcome('mfa_failure'),
    signedOut: outcome('logout'),
    buffered,
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      roomWaiters.splice(0).forEach((resolve) => resolve());
      if (connected) await producer.disconnect();
    },
  };
}
