import type { Cluster, Redis } from 'ioredis';

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
      .del(this.#queue(streamId), this.#tokens(streamId))
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
}
