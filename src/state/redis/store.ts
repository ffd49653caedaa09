import type { Cluster, Redis } from 'ioredis';
import { applyKeeping, isUserOp, keptField, type KeptView, type UserSlot } from '../apply.ts';
import type {
  IpFailureOp,
  IpFailureView,
  StateLimits,
  StateOp,
  StateStore,
  StateView,
  UserOp,
} from '../store.ts';
import type { UserRecord } from '../user-state.ts';
import { newUserRecord } from '../user-state.ts';
import { bucketOf, WINDOW_BUCKETS } from '../windows.ts';
import type { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';
import { UserCache, type CachedUser, type StoredView } from './user-cache.ts';
import { UserLocks } from './user-locks.ts';

/** How many replicas must hold a batch's state before it counts as saved (`redis.waitReplicas`). */
export interface Replication {
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
}

export interface RedisStoreOptions extends Replication {
  /** Users whose state this process keeps between batches (`redis.cachedUsers`); 0 reads every batch. */
  readonly cachedUsers: number;
}

const DEFAULTS: RedisStoreOptions = { waitReplicas: 0, waitTimeoutMs: 0, cachedUsers: 100_000 };

/** Saves refused as stale in one batch before it fails (and is retried whole, with back-off). */
const STALE_RETRIES = 3;

/**
 * Redis keeps each user's record durable; the logic that changes it is `user-state.ts`, the same code
 * the in-memory store runs, and the records live in this process between batches. The processor that
 * owns a user's partitions is the user's only writer, so a batch reads from Redis only the users it has
 * not cached (one HGETALL each), applies its operations in order, and writes each changed user back
 * with a compare-and-set on the record's version. A save refused as stale (another processor wrote the
 * user since) reads that user again and redoes its operations. With auto-pipelining each step is one
 * round trip per Redis node. Address failures, shared across users and so across partitions, stay a
 * script (`record-ip-failure-2.lua`).
 */
export class RedisStateStore implements StateStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StateKeys;
  readonly #limits: StateLimits;
  readonly #options: RedisStoreOptions;
  readonly #cache: UserCache;
  readonly #locks = new UserLocks();
  /** Whether this process is its users' only writer, and so may keep them between batches. */
  #caching = true;

  constructor(
    client: Redis | Cluster,
    keys: StateKeys,
    limits: StateLimits,
    options: Partial<RedisStoreOptions> = {},
  ) {
    if (!client.options.enableAutoPipelining) throw new Error('RedisStateStore needs enableAutoPipelining');
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#options = { ...DEFAULTS, ...options };
    this.#cache = new UserCache(this.#options.cachedUsers);
    defineScripts(client);
  }

  apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return this.#followingSlots(() => this.#apply(ops));
  }

  reassigned(exclusive: boolean): void {
    this.#cache.clear();
    this.#caching = exclusive;
  }

  /**
   * Auto-pipelined commands that meet a moved slot (a failover, a resharding) come back as MOVED
   * instead of being redirected, and the client keeps its stale slot map: refresh it, so the batch's
   * retry goes to the new owner.
   */
  async #followingSlots<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const client = this.#client;
      if ('refreshSlotsCache' in client && /^(MOVED|ASK) /.test((error as Error).message ?? ''))
        client.refreshSlotsCache();
      throw error;
    }
  }

  async #apply(ops: readonly StateOp[]): Promise<StateView[]> {
    const byUser = new Map<string, number[]>();
    ops.forEach((op, i) => {
      if (!isUserOp(op)) return;
      const indices = byUser.get(op.user);
      if (indices) indices.push(i);
      else byUser.set(op.user, [i]);
    });
    const views: StateView[] = new Array<StateView>(ops.length);
    // Both at once, and awaited together: a failure of either fails the batch, never the process.
    await Promise.all([
      Promise.all(
        ops.map(async (op, i) => {
          if (!isUserOp(op)) views[i] = await this.#recordIpFailure(op);
        }),
      ),
      this.#locks.holding(byUser.keys(), () => this.#applyUsers(ops, byUser, views)),
    ]);
    await this.#replicated();
    return views;
  }

  async #applyUsers(ops: readonly StateOp[], byUser: ReadonlyMap<string, number[]>, views: StateView[]) {
    let pending = [...byUser.keys()];
    try {
      for (let attempt = 1; ; attempt++) {
        const users = await this.#users(pending);
        const slots = new Map<string, BatchSlot>();
        for (const user of pending) {
          const slot = batchSlot(users.get(user)!, this.#limits.replyTtlMs);
          for (const i of byUser.get(user)!) views[i] = applyKeeping(slot, ops[i] as UserOp, this.#limits);
          slots.set(user, slot);
        }
        const stale = await this.#save(slots);
        if (stale.length === 0) return;
        for (const user of stale) this.#cache.delete(user);
        if (attempt === STALE_RETRIES) throw new Error(`STALE_STATE ${stale.length} users written elsewhere`);
        pending = stale;
      }
    } catch (error) {
      // Records are changed in place: what was not saved must be read again.
      for (const user of byUser.keys()) this.#cache.delete(user);
      throw error;
    }
  }

  /**
   * Waits until the batch's writes reached the replicas (WAIT, on every master's connection: it covers
   * what that connection wrote). After the timeout the batch goes on with fewer copies rather than
   * stalling while a replica is away.
   */
  async #replicated(): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.#options;
    if (waitReplicas === 0) return;
    const client = this.#client;
    const masters =
      'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
    await Promise.all(masters.map((node) => node.wait(waitReplicas, waitTimeoutMs)));
  }

  /** Drops the kept first views of a batch whose effects are durable: one HDEL per key. */
  async release(ops: readonly StateOp[]): Promise<void> {
    const fields = new Map<string, string[]>();
    const add = (key: string, field: string) => {
      const list = fields.get(key);
      if (list) list.push(field);
      else fields.set(key, [field]);
    };
    for (const op of ops) {
      if (isUserOp(op)) {
        const field = keptField(op.eventKey);
        this.#cache.peek(op.user)?.kept.delete(field);
        add(this.#keys.user(op.user), field);
      } else add(this.#keys.ipReplies(op.ip), `${op.user}|${op.eventKey}`);
    }
    await this.#followingSlots(() =>
      Promise.all([...fields].map(([key, list]) => this.#client.hdel(key, ...list))),
    );
  }

  async close(): Promise<void> {
    this.#cache.clear();
    await this.#client.quit();
  }

  /** The users as cached, and those not cached read from Redis (and cached). */
  async #users(users: readonly string[]): Promise<Map<string, CachedUser>> {
    const found = new Map<string, CachedUser>();
    const missing: string[] = [];
    for (const user of users) {
      const cached = this.#cache.get(user);
      if (cached) found.set(user, cached);
      else missing.push(user);
    }
    const hashes = await Promise.all(missing.map((user) => this.#client.hgetall(this.#keys.user(user))));
    missing.forEach((user, i) => {
      const cached = cachedUserOf(hashes[i]!);
      found.set(user, cached);
      if (this.#caching) this.#cache.set(user, cached);
    });
    return found;
  }

  /** Saves each changed user; returns the users whose save was refused as stale. */
  async #save(slots: ReadonlyMap<string, BatchSlot>): Promise<string[]> {
    const keptAtMs = Date.now();
    const saving = [...slots].filter(([, slot]) => slot.changed || slot.stale.length);
    const results = await Promise.allSettled(
      saving.map(([user, slot]) =>
        this.#client.saveUser(
          this.#keys.user(user),
          slot.cached.version,
          JSON.stringify(slot.record),
          this.#limits.retentionMs,
          slot.stale.length,
          ...slot.stale,
          ...[...slot.added].flatMap(([field, kept]) => [field, JSON.stringify({ ...kept, keptAtMs })]),
        ),
      ),
    );
    const stale: string[] = [];
    let failure: unknown;
    results.forEach((result, i) => {
      const [user, slot] = saving[i]!;
      if (result.status === 'fulfilled') {
        slot.cached.version = Number(result.value);
        for (const [field, kept] of slot.added) slot.cached.kept.set(field, { ...kept, keptAtMs });
      } else if (/^STALE_STATE\b/.test((result.reason as Error).message ?? '')) stale.push(user);
      else failure ??= result.reason;
    });
    if (failure !== undefined) throw failure;
    return stale;
  }

  async #recordIpFailure(op: IpFailureOp): Promise<IpFailureView> {
    const l = this.#limits;
    const [before, users, ...sample] = await this.#client.recordIpFailure(
      this.#keys.ipFailedUsers(op.ip),
      this.#keys.ipReplies(op.ip),
      op.user,
      bucketOf(op.atMs, l.failureWindowMs),
      WINDOW_BUCKETS,
      l.sampleUsers,
      l.maxWindowEntries,
      op.eventKey,
      l.replyTtlMs,
      l.ipFailureTtlMs,
    );
    return {
      kind: 'ip-failure',
      usersBefore: Number(before),
      users: Number(users),
      sampleUsers: sample.map(String),
    };
  }
}

/** One user's slot for one batch: its cached state, and what the batch changed. */
interface BatchSlot extends UserSlot {
  readonly cached: CachedUser;
  /** Kept views past their time, to drop with the save. */
  readonly stale: readonly string[];
  readonly added: Map<string, KeptView>;
}

/** A view nobody released (its process died after committing) stops being served after a while. */
function batchSlot(cached: CachedUser, replyTtlMs: number): BatchSlot {
  const now = Date.now();
  const stale: string[] = [];
  for (const [field, kept] of cached.kept)
    if (kept.keptAtMs !== undefined && now - kept.keptAtMs > replyTtlMs) {
      stale.push(field);
      cached.kept.delete(field);
    }
  return { record: cached.record, kept: cached.kept, changed: false, cached, stale, added: new Map() };
}

function cachedUserOf(hash: Record<string, string>): CachedUser {
  const kept = new Map<string, StoredView>();
  for (const [field, value] of Object.entries(hash))
    if (field.startsWith('r:')) {
      const { view, origin, keptAtMs } = JSON.parse(value) as StoredView;
      kept.set(field, { view, ...(origin && { origin }), ...(keptAtMs !== undefined && { keptAtMs }) });
    }
  const record = hash.s ? (JSON.parse(hash.s) as UserRecord) : newUserRecord();
  return { record, version: Number(hash.v ?? 0), kept };
}
