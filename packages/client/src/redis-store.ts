import { MemoryEnforcementStore, type Enforcement, type EnforcementStore } from './store.ts';

/** The part of an ioredis client (or any client with `call`) the store uses. */
export interface RedisCommands {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}
/** A connection in subscriber mode (ioredis: `client.duplicate()`). */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

export interface RedisStoreOptions {
  readonly client: RedisCommands;
  readonly subscriber: RedisSubscriber;
  /** Prefix of every key and of the channel; `vigil-enforcer:` by default. One per fleet. */
  readonly keyPrefix?: string;
  readonly now?: () => number;
}

type Change =
  | { readonly type: 'enforcement'; readonly enforcement: Enforcement }
  | {
      readonly type: 'satisfied';
      readonly userId: string;
      readonly sessionId: string;
      readonly atMs: number;
      readonly untilMs: number;
    };

/**
 * Enforcements shared by a fleet: a step-up met on one instance, or a command pushed over SSF to one
 * instance, holds on all of them. Every write is a key in Redis (expiring with the entry) and a message
 * on a channel; every instance keeps a mirror in memory, loaded from the keys at start and updated from
 * the channel, and answers lookups from the mirror alone, so a request never waits on Redis.
 */
export class RedisEnforcementStore implements EnforcementStore {
  readonly #mirror: MemoryEnforcementStore;
  readonly #client: RedisCommands;
  readonly #subscriber: RedisSubscriber;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(options: RedisStoreOptions) {
    this.#client = options.client;
    this.#subscriber = options.subscriber;
    this.#prefix = options.keyPrefix ?? 'vigil-enforcer:';
    this.#now = options.now ?? Date.now;
    this.#mirror = new MemoryEnforcementStore({ now: this.#now });
  }

  get #channel() {
    return `${this.#prefix}changes`;
  }

  async start(): Promise<void> {
    // Subscribe before loading, so a change made in between is seen at least once (applying twice is harmless).
    this.#subscriber.on('message', (channel, message) => {
      if (channel === this.#channel) this.#take(message);
    });
    await this.#subscriber.subscribe(this.#channel);
    let cursor = '0';
    do {
      const [next, keys] = (await this.#client.call(
        'SCAN',
        cursor,
        'MATCH',
        `${this.#prefix}e:*`,
        'COUNT',
        500,
      )) as [string, string[]];
      cursor = next;
      if (keys.length) {
        const values = (await this.#client.call('MGET', ...keys)) as (string | null)[];
        for (const value of values) if (value) this.#take(value);
      }
    } while (cursor !== '0');
  }

  async apply(enforcement: Enforcement): Promise<void> {
    this.#mirror.applyNow(enforcement);
    const scope = `${enforcement.kind}:${enforcement.userId}:${enforcement.sessionId ?? '*'}:${enforcement.atMs}`;
    await this.#write(scope, { type: 'enforcement', enforcement }, enforcement.untilMs);
  }

  async satisfyStepUp(userId: string, sessionId: string, atMs: number, untilMs: number): Promise<void> {
    this.#mirror.satisfyNow(userId, sessionId, atMs, untilMs);
    await this.#write(
      `satisfied:${userId}:${sessionId}:${atMs}`,
      { type: 'satisfied', userId, sessionId, atMs, untilMs },
      untilMs,
    );
  }

  isSessionRevoked(sessionId: string, userId?: string, sessionStartedAtMs?: number): boolean {
    return this.#mirror.isSessionRevoked(sessionId, userId, sessionStartedAtMs);
  }

  stepUpRequired(userId: string, sessionId: string, sessionStartedAtMs?: number): boolean {
    return this.#mirror.stepUpRequired(userId, sessionId, sessionStartedAtMs);
  }

  async close(): Promise<void> {
    await this.#mirror.close();
  }

  async #write(id: string, change: Change, untilMs: number) {
    const ttlMs = Math.max(1, Math.ceil(untilMs - this.#now()));
    const message = JSON.stringify(change);
    await this.#client.call('SET', `${this.#prefix}e:${id}`, message, 'PX', ttlMs);
    await this.#client.call('PUBLISH', this.#channel, message);
  }

  #take(message: string) {
    let change: Change;
    try {
      change = JSON.parse(message) as Change;
    } catch {
      return;
    }
    if (change.type === 'enforcement') this.#mirror.applyNow(change.enforcement);
    else if (change.type === 'satisfied')
      this.#mirror.satisfyNow(change.userId, change.sessionId, change.atMs, change.untilMs);
  }
}
