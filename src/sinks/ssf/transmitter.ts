import { createHash, randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../ops/logger.ts';
import { consumerTimeouts } from '../../pipeline/kafka.ts';
import { signJws, type SigningKey } from '../commands/signing.ts';
import { ASSURANCE_LEVEL_CHANGE, SESSION_REVOKED, SET_TYPE } from '../commands/security-event.ts';
import { POLL_DELIVERY, PUSH_DELIVERY, type Stream, type StreamStore } from './streams.ts';

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
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

/** The event type and id of a token Vigil signed, read without verifying: it came from its own topic. */
function headlineOf(token: string): { jti: string; type: string } | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      jti?: unknown;
      events?: Record<string, unknown>;
    };
    const type = Object.keys(payload.events ?? {})[0];
    return typeof payload.jti === 'string' && type ? { jti: payload.jti, type } : undefined;
  } catch {
    return undefined;
  }
}

/** A digest of a bearer token: what a stream records of the receiver that owns it. */
export const ownerOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 32);

/**
 * Sends the committed commands to every SSF stream that asked for their event type, in a consumer group
 * of its own (`<group>-ssf`), so a slow receiver never holds back a revocation on Kafka. A push is
 * retried with back-off while the receiver answers 5xx, 429 or not at all, and given up on a 4xx,
 * which RFC 8935 §2.3 makes final; a poll stream queues the token in Redis until it is acknowledged.
 */
export class SsfTransmitter {
  readonly #parts: TransmitterParts;
  readonly #consumer: Consumer;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pollWaiters = new Set<() => void>();
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
    await this.#consumer.connect();
    await this.#consumer.subscribe({
      topics: [this.#parts.config.kafka.topics.commands],
      fromBeginning: false,
    });
    await this.#consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) await this.fanOut(message.value.toString());
      },
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Hands one token to every stream that takes its event type. */
  async fanOut(token: string): Promise<void> {
    const headline = headlineOf(token);
    if (!headline) return;
    const streams = await this.#parts.streams.all();
    for (const stream of streams) {
      if (!stream.events_delivered.includes(headline.type)) continue;
      await this.deliver(stream, headline.jti, token);
    }
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
    if (stream.delivery.method === POLL_DELIVERY) {
      await this.#parts.streams.enqueue(stream.stream_id, jti, token, Date.now());
      for (const wake of this.#pollWaiters) wake();
      return;
    }
    if (stream.delivery.method !== PUSH_DELIVERY || stream.status !== 'enabled') return;
    const pushing = this.#push(stream, jti, token).finally(() => this.#inFlight.delete(pushing));
    this.#inFlight.add(pushing);
  }

  async #push(stream: Stream, jti: string, token: string): Promise<void> {
    const { pushMaxAttempts, pushTimeoutMs } = this.#parts.config.ssf;
    const logger = this.#parts.logger.child({ stream: stream.stream_id, jti });
    for (let attempt = 1; attempt <= pushMaxAttempts && !this.#stopping; attempt++) {
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
          body: token,
          signal: AbortSignal.timeout(pushTimeoutMs),
        });
        const body = await response.text();
        if (response.status === 202 || response.ok) return;
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          logger.warn({ status: response.status, body: body.slice(0, 500) }, 'SSF receiver refused an event');
          return;
        }
        retry = `status ${response.status}`;
      } catch (error) {
        retry = (error as Error).message;
      }
      if (attempt === pushMaxAttempts) break;
      const delayMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      logger.info({ attempt, reason: retry, delayMs: Math.round(delayMs) }, 'SSF push failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    logger.error({ attempts: pushMaxAttempts }, 'SSF push given up');
  }
}
