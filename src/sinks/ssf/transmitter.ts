import { createHash, randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../ops/logger.ts';
import type { SsfMetrics } from '../../ops/metrics.ts';
import { consumerTimeouts } from '../../pipeline/kafka.ts';
import { signJws, type SigningKey } from '../commands/signing.ts';
import { ASSURANCE_LEVEL_CHANGE, SESSION_REVOKED, SET_TYPE } from '../commands/security-event.ts';
import { POLL_DELIVERY, PUSH_DELIVERY, type PendingPush, type Stream, type StreamStore } from './streams.ts';
import { isAbout, type Subject } from './subjects.ts';

/** SSF 1.0 §8.1.4: the event a receiver asks for to check that a stream reaches it. */
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** What Vigil sends: the two CAEP events its commands carry, and verification. */
export const EVENTS_SUPPORTED = [SESSION_REVOKED, ASSURANCE_LEVEL_CHANGE, VERIFICATION] as const;

export interface TransmitterParts {
  readonly kafka: Kafka;
  readonly config: Config;
  readonly streams: StreamStore;
  readonly signingKey: SigningKey;
  readonly logger: Logger;
  readonly metrics: SsfMetrics;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** How often the durable push queues are looked at for retries that have come due. */
const RETRY_SCAN_MS = 250;
const RETRY_SCAN_BATCH = 100;

/** The event type, id and subject of a token Vigil signed, read without verifying: it came from its own topic. */
function headlineOf(token: string): { jti: string; type: string; subject?: Subject } | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      jti?: unknown;
      sub_id?: Subject;
      events?: Record<string, unknown>;
    };
    const type = Object.keys(payload.events ?? {})[0];
    return typeof payload.jti === 'string' && type
      ? { jti: payload.jti, type, ...(payload.sub_id && { subject: payload.sub_id }) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A digest of a bearer token: what a stream records of the receiver that owns it. */
export const ownerOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

const methodOf = (stream: Stream) => (stream.delivery.method === PUSH_DELIVERY ? 'push' : 'poll');

/**
 * Sends the committed commands to every SSF stream that asked for their event type (and, when the
 * receiver listed subjects, is about one of them), in a consumer group of its own (`<group>-ssf`), so a
 * slow receiver never holds back a revocation on Kafka.
 *
 * A push stream's tokens wait in a queue in Redis until delivered: pushed at once, retried with back-off
 * while the receiver answers 5xx, 429 or not at all, and dropped on another 4xx, which RFC 8935 §2.3
 * makes final. A restarted transmitter (or another instance) resumes the queue where it stood: each
 * token is claimed for the length of one attempt, so a process that dies mid-push leaves it to the next.
 * A paused stream's tokens wait until it is enabled again. A poll stream queues the token in Redis until
 * it is acknowledged.
 */
export class SsfTransmitter {
  readonly #parts: TransmitterParts;
  readonly #consumer: Consumer;
  readonly #inFlight = new Set<Promise<void>>();
  /** `<stream>|<jti>` of the pushes this process is making, which its retry scan leaves alone. */
  readonly #pushing = new Set<string>();
  readonly #pollWaiters = new Set<() => void>();
  readonly #knownStreams = new Set<string>();
  #retryTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #stopping = false;

  constructor(parts: TransmitterParts) {
    this.#parts = parts;
    this.#consumer = parts.kafka.consumer({
      groupId: `${parts.config.kafka.groupId}-ssf`,
      ...consumerTimeouts(parts.config.kafka),
      readUncommitted: false,
    });
  }

  async start(): Promise<void> {
    this.track(await this.#parts.streams.all());
    this.#scheduleRetries();
    await this.#consumer.connect();
    await this.#consumer.subscribe({
      topics: [this.#parts.config.kafka.topics.commands],
      fromBeginning: false,
    });
    await this.#consumer.run({
      // A batch at a time: its tokens are queued in Redis together (one round trip), its pushes start
      // together, and the offsets are committed once every token is queued.
      eachBatch: async ({ batch }) => {
        await this.fanOut(
          batch.messages.flatMap((message) => (message.value ? [message.value.toString()] : [])),
        );
      },
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    await this.#consumer.disconnect();
    await this.#scanning;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Streams this process has not seen yet get their metrics, at zero. */
  track(streams: readonly Stream[]): void {
    for (const stream of streams) {
      if (this.#knownStreams.has(stream.stream_id)) continue;
      this.#knownStreams.add(stream.stream_id);
      this.#parts.metrics.ssfStream(stream.stream_id, methodOf(stream));
    }
  }

  /** Called by the API when it deletes a stream. */
  forget(stream: Stream): void {
    this.#knownStreams.delete(stream.stream_id);
    this.#parts.metrics.ssfStreamDeleted(stream.stream_id, methodOf(stream));
  }

  /** Hands each token to every stream that takes its event type and its subject; resolves once all are queued. */
  async fanOut(tokens: string | readonly string[]): Promise<void> {
    const headlines = (typeof tokens === 'string' ? [tokens] : tokens).flatMap((token) => {
      const headline = headlineOf(token);
      return headline ? [{ ...headline, token }] : [];
    });
    if (!headlines.length) return;
    const { streams } = this.#parts;
    const all = await streams.all();
    this.track(all);
    const subjects = await Promise.all(all.map((stream) => streams.subjects(stream.stream_id)));
    const deliveries: Promise<void>[] = [];
    for (const { jti, type, subject, token } of headlines)
      all.forEach((stream, i) => {
        if (!stream.events_delivered.includes(type)) return;
        const listed = subjects[i];
        // SSF 1.0 §8.1.3: a receiver that listed subjects gets events about those alone.
        if (listed && !(subject && listed.some((wanted) => isAbout(subject, wanted)))) return;
        deliveries.push(this.deliver(stream, jti, token));
      });
    // Sent together, the Redis commands of every delivery share a round trip.
    await Promise.all(deliveries);
  }

  /** SSF 1.0 §8.1.4.2: a verification event, signed now, delivered like any other. */
  async verify(stream: Stream, state?: string): Promise<void> {
    const jti = randomUUID();
    const token = signJws(
      {
        iss: stream.iss,
        aud: stream.aud,
        iat: Math.floor(Date.now() / 1000),
        jti,
        sub_id: { format: 'opaque', id: stream.stream_id },
        events: { [VERIFICATION]: state === undefined ? {} : { state } },
      },
      this.#parts.signingKey,
      SET_TYPE,
    );
    this.#parts.metrics.ssfVerification(stream.stream_id);
    await this.deliver(stream, jti, token);
  }

  /** Resolves when a poll stream's queue may have changed in this process, or after `ms`. */
  waitForPollable(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#pollWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#pollWaiters.add(wake);
    });
  }

  async deliver(stream: Stream, jti: string, token: string): Promise<void> {
    // SSF 1.0 §8.1.2.1: a paused stream holds its events; a disabled one drops them.
    if (stream.status === 'disabled') return;
    this.#parts.metrics.ssfQueued(stream.stream_id, methodOf(stream));
    if (stream.delivery.method === POLL_DELIVERY) {
      await this.#parts.streams.enqueue(stream.stream_id, jti, token, Date.now());
      for (const wake of this.#pollWaiters) wake();
      return;
    }
    if (stream.delivery.method !== PUSH_DELIVERY) return;
    const pending = { jti, token, attempts: 0 };
    const claiming = this.#parts.streams.claimNewPush(stream.stream_id, jti, token, this.#leaseMs);
    // The first attempt does not wait for the token to be queued: the two go together, and the push
    // touches the queue only once it is there. Resolves (and the offset commits) once it is queued.
    if (stream.status === 'enabled') this.#startPush(stream, pending, claiming);
    else if (await claiming) await this.#parts.streams.retryPush(stream.stream_id, pending, 0);
    await claiming;
  }

  /** Longer than one attempt can last, so that a claim outlives its push unless the process died. */
  get #leaseMs(): number {
    return this.#parts.config.ssf.pushTimeoutMs + 5_000;
  }

  /** `claimed`: whether this process holds the token's claim, which lets it drop or reschedule it. */
  #startPush(stream: Stream, pending: PendingPush, claimed: Promise<boolean> = Promise.resolve(true)): void {
    const key = `${stream.stream_id}|${pending.jti}`;
    this.#pushing.add(key);
    const pushing = this.#push(stream, pending, claimed)
      .catch((error: unknown) =>
        this.#parts.logger.error(
          { stream: stream.stream_id, err: (error as Error).message },
          'SSF push failed',
        ),
      )
      .finally(() => {
        this.#pushing.delete(key);
        this.#inFlight.delete(pushing);
      });
    this.#inFlight.add(pushing);
  }

  /** One attempt; then the token leaves the queue, or waits there for its next attempt. */
  async #push(stream: Stream, pending: PendingPush, claimed: Promise<boolean>): Promise<void> {
    const { pushMaxAttempts, pushTimeoutMs } = this.#parts.config.ssf;
    const { streams, metrics } = this.#parts;
    const logger = this.#parts.logger.child({ stream: stream.stream_id, jti: pending.jti });
    let retry: string;
    try {
      const response = await fetch(stream.delivery.endpoint_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/secevent+jwt',
          accept: 'application/json',
          ...(stream.delivery.authorization_header && {
            authorization: stream.delivery.authorization_header,
          }),
        },
        body: pending.token,
        signal: AbortSignal.timeout(pushTimeoutMs),
      });
      const body = await response.text();
      if (response.ok) {
        metrics.ssfPush(stream.stream_id, 'delivered');
        if (await claimed) await streams.dropPush(stream.stream_id, pending.jti);
        return;
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        logger.warn({ status: response.status, body: body.slice(0, 500) }, 'SSF receiver refused an event');
        metrics.ssfPush(stream.stream_id, 'refused');
        if (await claimed) await streams.dropPush(stream.stream_id, pending.jti);
        return;
      }
      retry = `status ${response.status}`;
    } catch (error) {
      retry = (error as Error).message;
    }
    // Another process holds the token (it was read again after a rebalance): its retries are that one's.
    if (!(await claimed)) return;
    const attempts = pending.attempts + 1;
    if (attempts >= pushMaxAttempts) {
      logger.error({ attempts, reason: retry }, 'SSF push given up');
      metrics.ssfPush(stream.stream_id, 'given_up');
      return streams.dropPush(stream.stream_id, pending.jti);
    }
    const delayMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    logger.info(
      { attempt: attempts, reason: retry, delayMs: Math.round(delayMs) },
      'SSF push failed; retrying',
    );
    metrics.ssfPush(stream.stream_id, 'retried');
    await streams.retryPush(stream.stream_id, { ...pending, attempts }, Date.now() + delayMs);
  }

  #scheduleRetries(): void {
    if (this.#stopping) return;
    this.#retryTimer = setTimeout(() => {
      this.#scanning = this.#retryDue()
        .catch((error: unknown) =>
          this.#parts.logger.warn({ err: (error as Error).message }, 'SSF retry scan failed'),
        )
        .finally(() => this.#scheduleRetries());
    }, RETRY_SCAN_MS);
  }

  /** Pushes again the tokens of enabled push streams whose next attempt has come, this process's or not. */
  async #retryDue(): Promise<void> {
    const { streams } = this.#parts;
    const all = await streams.all();
    this.track(all);
    for (const stream of all) {
      if (stream.delivery.method !== PUSH_DELIVERY || stream.status !== 'enabled') continue;
      for (const pending of await streams.duePushes(stream.stream_id, Date.now(), RETRY_SCAN_BATCH)) {
        if (this.#stopping) return;
        if (this.#pushing.has(`${stream.stream_id}|${pending.jti}`)) continue;
        const claimed = await streams.claimDuePush(stream.stream_id, pending.jti, Date.now(), this.#leaseMs);
        if (claimed) this.#startPush(stream, claimed);
      }
    }
  }
}
