import type { Cluster, Redis } from 'ioredis';
import { canonicalSubject, type Subject } from './subjects.ts';

/** SSF 1.0 §8.1.1: the delivery methods, named by their RFCs. */
export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';
export const POLL_DELIVERY = 'urn:ietf:rfc:8936';
export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** A stream as SSF 1.0 §8.1.1 describes it, with the receiver it belongs to and its status. */
export interface Stream {
  readonly stream_id: string;
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly delivery: {
    readonly method: typeof PUSH_DELIVERY | typeof POLL_DELIVERY;
    readonly endpoint_url: string;
    readonly authorization_header?: string;
  };
  readonly events_supported: readonly string[];
  readonly events_requested: readonly string[];
  readonly events_delivered: readonly string[];
  readonly description?: string;
  readonly status: StreamStatus;
  readonly reason?: string;
  /** Digest of the bearer token that created it: a receiver sees and changes only its own streams. */
  readonly owner: string;
}

/** A stream as its receiver reads it: without its owner, and the push secret it gave, as given. */
export function publicStream({ owner: _owner, status: _status, reason: _reason, ...stream }: Stream) {
  return stream;
}

/**
 * Streams and their poll queues, durable in Redis. All keys carry the hash tag `{ssf}`, so on Redis
 * Cluster they share a slot and a transaction may hold several of them.
 */
export class StreamStore {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}{ssf}:`;
  }

  /** Hash of every stream's JSON by id. */
  get #streams() {
    return `${this.#prefix}streams`;
  }
  /** Sorted set of a poll stream's undelivered token ids, by when they were queued. */
  #queue(streamId: string) {
    return `${this.#prefix}queue:${streamId}`;
  }
  /** Hash of those tokens by id. */
  #tokens(streamId: string) {
    return `${this.#prefix}tokens:${streamId}`;
  }
  /** Sorted set of a push stream's undelivered token ids, by when each is next due to be pushed. */
  #pushQueue(streamId: string) {
    return `${this.#prefix}push:${streamId}`;
  }
  /** Hash of those tokens by id, each with its failed attempts so far (a `PendingPush` as JSON). */
  #pushTokens(streamId: string) {
    return `${this.#prefix}push-tokens:${streamId}`;
  }
  /** Held by the process pushing a token, until the push ends or the lease runs out (it died). */
  #pushClaim(streamId: string, jti: string) {
    return `${this.#prefix}push-claim:${streamId}:${jti}`;
  }
  /** Set of the subjects a receiver added to its stream, each as canonical JSON. */
  #subjects(streamId: string) {
    return `${this.#prefix}subjects:${streamId}`;
  }
  /** Present once a subject was added: the stream then carries only events about its subjects. */
  #subjectsListed(streamId: string) {
    return `${this.#prefix}subjects-listed:${streamId}`;
  }

  async all(): Promise<Stream[]> {
    const streams = await this.#redis.hgetall(this.#streams);
    return Object.values(streams).map((json) => JSON.parse(json) as Stream);
  }

  async get(streamId: string): Promise<Stream | undefined> {
    const json = await this.#redis.hget(this.#streams, streamId);
    return json ? (JSON.parse(json) as Stream) : undefined;
  }

  async put(stream: Stream): Promise<void> {
    await this.#redis.hset(this.#streams, stream.stream_id, JSON.stringify(stream));
  }

  async delete(streamId: string): Promise<void> {
    await this.#redis
      .multi()
      .hdel(this.#streams, streamId)
      .del(
        this.#queue(streamId),
        this.#tokens(streamId),
        this.#pushQueue(streamId),
        this.#pushTokens(streamId),
        this.#subjects(streamId),
        this.#subjectsListed(streamId),
      )
      .exec();
  }

  /** Queues a token for polling; a token queued twice (a command read again) is one entry. */
  async enqueue(streamId: string, jti: string, token: string, atMs: number): Promise<void> {
    await this.#redis
      .multi()
      .zadd(this.#queue(streamId), 'NX', String(atMs), jti)
      .hset(this.#tokens(streamId), jti, token)
      .exec();
  }

  /** The oldest `max` tokens not yet acknowledged, and whether more wait. */
  async peek(
    streamId: string,
    max: number,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    const ids = await this.#redis.zrange(this.#queue(streamId), '0', String(max));
    const taken = ids.slice(0, max);
    const tokens = taken.length ? await this.#redis.hmget(this.#tokens(streamId), ...taken) : [];
    const sets: Record<string, string> = {};
    taken.forEach((jti, i) => {
      if (tokens[i]) sets[jti] = tokens[i];
    });
    return { sets, moreAvailable: ids.length > max };
  }

  /** Removes acknowledged (or refused) tokens from the queue. */
  async remove(streamId: string, jtis: readonly string[]): Promise<void> {
    if (!jtis.length) return;
    await this.#redis
      .multi()
      .zrem(this.#queue(streamId), ...jtis)
      .hdel(this.#tokens(streamId), ...jtis)
      .exec();
  }

  /**
   * Takes a token for pushing: queued durably (due at once, so that a restarted transmitter pushes it
   * if this one dies) and claimed by this process for `leaseMs`. False when another process holds it.
   */
  async claimNewPush(streamId: string, jti: string, token: string, leaseMs: number): Promise<boolean> {
    const pending: PendingPush = { jti, token, attempts: 0 };
    const replies = await this.#redis
      .multi()
      .set(this.#pushClaim(streamId, jti), '1', 'PX', leaseMs, 'NX')
      .zadd(this.#pushQueue(streamId), 'NX', String(Date.now()), jti)
      .hsetnx(this.#pushTokens(streamId), jti, JSON.stringify(pending))
      .exec();
    return replies?.[0]?.[1] === 'OK';
  }

  /**
   * Claims a queued token for `leaseMs` if it is still due by `nowMs`, and reads it as it stands then:
   * a list of due tokens read before may be stale (pushed since, or failed again and rescheduled).
   * `undefined` when another process holds it or it is not due.
   */
  async claimDuePush(
    streamId: string,
    jti: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<PendingPush | undefined> {
    const claim = this.#pushClaim(streamId, jti);
    if ((await this.#redis.set(claim, '1', 'PX', leaseMs, 'NX')) !== 'OK') return undefined;
    const [[, dueMs], [, entry]] = (await this.#redis
      .multi()
      .zscore(this.#pushQueue(streamId), jti)
      .hget(this.#pushTokens(streamId), jti)
      .exec()) as [[null, string | null], [null, string | null]];
    if (dueMs !== null && Number(dueMs) <= nowMs && entry) return JSON.parse(entry) as PendingPush;
    await this.#redis.del(claim);
    return undefined;
  }

  /** The tokens of a push stream due by `nowMs`, oldest due first. */
  async duePushes(streamId: string, nowMs: number, max: number): Promise<PendingPush[]> {
    const ids = await this.#redis.zrangebyscore(
      this.#pushQueue(streamId),
      '-inf',
      String(nowMs),
      'LIMIT',
      0,
      max,
    );
    if (!ids.length) return [];
    const entries = await this.#redis.hmget(this.#pushTokens(streamId), ...ids);
    const ghosts = ids.filter((_, i) => !entries[i]);
    if (ghosts.length) await this.#redis.zrem(this.#pushQueue(streamId), ...ghosts);
    return entries
      .filter((entry): entry is string => !!entry)
      .map((entry) => JSON.parse(entry) as PendingPush);
  }

  /** Tokens waiting to be pushed on a stream, retries included. */
  async pendingPushes(streamId: string): Promise<number> {
    return this.#redis.zcard(this.#pushQueue(streamId));
  }

  /** A failed push, to be tried again at `dueMs`; the claim is let go. */
  async retryPush(streamId: string, pending: PendingPush, dueMs: number): Promise<void> {
    await this.#redis
      .multi()
      .zadd(this.#pushQueue(streamId), 'XX', String(dueMs), pending.jti)
      .hset(this.#pushTokens(streamId), pending.jti, JSON.stringify(pending))
      .del(this.#pushClaim(streamId, pending.jti))
      .exec();
  }

  /** A push ended: delivered, refused for good, or given up. */
  async dropPush(streamId: string, jti: string): Promise<void> {
    await this.#redis
      .multi()
      .zrem(this.#pushQueue(streamId), jti)
      .hdel(this.#pushTokens(streamId), jti)
      .del(this.#pushClaim(streamId, jti))
      .exec();
  }

  /** SSF 1.0 §8.1.3.2: from now on the stream carries events about this subject (and its other ones). */
  async addSubject(streamId: string, subject: Subject): Promise<void> {
    await this.#redis
      .multi()
      .sadd(this.#subjects(streamId), canonicalSubject(subject))
      .set(this.#subjectsListed(streamId), '1')
      .exec();
  }

  /** SSF 1.0 §8.1.3.3; false when the stream did not have the subject. */
  async removeSubject(streamId: string, subject: Subject): Promise<boolean> {
    return (await this.#redis.srem(this.#subjects(streamId), canonicalSubject(subject))) === 1;
  }

  /** The stream's subjects, or `undefined` while none was ever added (it carries every subject). */
  async subjects(streamId: string): Promise<Subject[] | undefined> {
    const [[, listed], [, members]] = (await this.#redis
      .multi()
      .exists(this.#subjectsListed(streamId))
      .smembers(this.#subjects(streamId))
      .exec()) as [[null, number], [null, string[]]];
    return listed ? members.map((member) => JSON.parse(member) as Subject) : undefined;
  }
}

/** A token waiting in a push stream's queue, with its failed attempts so far. */
export interface PendingPush {
  readonly jti: string;
  readonly token: string;
  readonly attempts: number;
}
