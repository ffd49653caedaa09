import type { Cluster, Redis } from 'ioredis';
import { applyKeeping, isUserOp, type UserSlot, type UserView } from '../apply.ts';
import type {
  CheckpointedStore,
  IpFailureOp,
  IpFailureView,
  StateLimits,
  StateOp,
  StateView,
  UserOp,
} from '../store.ts';
import { newUserRecord, type UserRecord } from '../user-state.ts';
import { bucketOf, WINDOW_BUCKETS } from '../windows.ts';
import type { StateKeys } from './keys.ts';
import { defineScripts } from './scripts.ts';

/** How many replicas must hold a checkpoint before it counts as saved (`redis.waitReplicas`). */
export interface Replication {
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
}

export interface RedisStoreOptions extends Replication {
  /** Users kept in memory besides those changed since the last checkpoint (`redis.cachedUsers`). */
  readonly cachedUsers: number;
  /** Whose checkpoints these are: the consumer group. */
  readonly group: string;
}

const DEFAULTS: RedisStoreOptions = {
  waitReplicas: 0,
  waitTimeoutMs: 0,
  cachedUsers: 100_000,
  group: 'vigil',
};

/** A user held in memory: its record and kept views, and how far into each input the record is. */
interface HeldUser extends UserSlot {
  /** Per input (`topic/partition`), the offset after the last of its events the record holds. */
  readonly through: Record<string, number>;
  /** As read from Redis: events below these are in the record already, and a restore skips them. */
  readonly loaded: Readonly<Record<string, number>>;
}

/**
 * The state of `vigil run`. The processor that owns a user's partitions is the user's only writer, so
 * it holds the user in memory and runs the same logic as `replay` on it (`user-state.ts`); Redis is where
 * that state is kept durable, not where it is computed. A checkpoint saves the users changed since the
 * last one, each with the input offsets its record is as of, then the offsets of the checkpoint itself.
 * After a crash or a rebalance the new owner reads users from Redis and replays its partitions from the
 * checkpoint (`Pipeline`), skipping the events a user's saved record already holds. A save never moves
 * a record back, so a processor that lost a partition cannot overwrite its new owner. Address failures,
 * shared across users and so across partitions, stay a script (`record-ip-failure-2.lua`).
 */
export class RedisStateStore implements CheckpointedStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StateKeys;
  readonly #limits: StateLimits;
  readonly #options: RedisStoreOptions;
  /** Least recently used first. */
  readonly #users = new Map<string, HeldUser>();
  readonly #loading = new Map<string, Promise<void>>();
  /** Users changed since the last checkpoint, and users a checkpoint is saving. */
  readonly #dirty = new Set<string>();
  readonly #saving = new Set<string>();
  /** Counts `forget` calls: a read that started before one is not kept. */
  #generation = 0;

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
    defineScripts(client);
  }

  /** Users not held are read first (one pipelined round trip); then every operation runs in memory. */
  apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return this.#followingSlots(async () => {
      const views = new Array<StateView>(ops.length);
      const ipFailures = Promise.all(
        ops.map(async (op, i) => {
          if (!isUserOp(op)) views[i] = await this.#recordIpFailure(op);
        }),
      );
      const users = new Set(ops.filter(isUserOp).map((op) => op.user));
      await Promise.all([ipFailures, this.#hold(users)]);
      for (const [i, op] of ops.entries()) if (isUserOp(op)) views[i] = this.#applyUser(op);
      this.#evict();
      if (ops.some((op) => !isUserOp(op))) await this.#replicated();
      return views;
    });
  }

  /** Drops the kept first views of a batch whose effects are durable. */
  async release(ops: readonly StateOp[]): Promise<void> {
    const replies = new Map<string, string[]>();
    for (const op of ops) {
      if (isUserOp(op)) this.#users.get(op.user)?.kept.delete(op.eventKey);
      else {
        const key = this.#keys.ipReplies(op.ip);
        const fields = replies.get(key) ?? [];
        if (fields.length === 0) replies.set(key, fields);
        fields.push(`${op.user}|${op.eventKey}`);
      }
    }
    this.#evict();
    await this.#followingSlots(() =>
      Promise.all([...replies].map(([key, fields]) => this.#client.hdel(key, ...fields))),
    );
  }

  get wantsCheckpoint(): boolean {
    return this.#users.size > this.#options.cachedUsers;
  }

  /**
   * Takes the changed users as they are now, which must be as of `offsets`, and saves them, then the
   * offsets. What fails to save stays changed, for the next checkpoint.
   */
  checkpoint(offsets: ReadonlyMap<string, number>): Promise<void> {
    const saves = [...this.#dirty].map((id) => {
      const user = this.#users.get(id)!;
      user.changed = false;
      this.#saving.add(id);
      const version = Object.values(user.through).reduce((sum, offset) => sum + offset, 0);
      return { id, version, record: JSON.stringify(user.record), through: JSON.stringify(user.through) };
    });
    this.#dirty.clear();
    return this.#save(saves, new Map(offsets), this.#generation);
  }

  async restorePoints(inputs: readonly string[]): Promise<Map<string, number>> {
    if (inputs.length === 0) return new Map();
    const offsets = await this.#client.hmget(this.#keys.checkpoints(this.#options.group), ...inputs);
    const points = new Map<string, number>();
    inputs.forEach((input, i) => {
      if (offsets[i] != null) points.set(input, Number(offsets[i]));
    });
    return points;
  }

  forget(): void {
    this.#generation++;
    this.#users.clear();
    this.#dirty.clear();
    this.#loading.clear();
  }

  async close(): Promise<void> {
    this.forget();
    await this.#client.quit();
  }

  #applyUser(op: UserOp): UserView {
    const user = this.#users.get(op.user)!;
    const input = inputOf(op.origin);
    if (input && input.offset < (user.loaded[input.name] ?? 0)) return alreadyHeld(op);
    const view = applyKeeping(user, op, this.#limits);
    if (user.changed) {
      this.#dirty.add(op.user);
      if (input) user.through[input.name] = Math.max(user.through[input.name] ?? 0, input.offset + 1);
    }
    return view;
  }

  /** Reads the users not held (each once, however many batches ask) and marks all as just used. */
  async #hold(users: ReadonlySet<string>): Promise<void> {
    const generation = this.#generation;
    const reads: Promise<void>[] = [];
    for (const id of users) {
      if (this.#users.has(id)) continue;
      let read = this.#loading.get(id);
      if (!read) {
        read = this.#client.hgetall(this.#keys.user(id)).then((hash) => {
          if (generation !== this.#generation || this.#users.has(id)) return;
          this.#users.set(id, heldUserOf(hash));
          this.#loading.delete(id);
        });
        this.#loading.set(id, read);
        read.catch(() => this.#loading.delete(id));
      }
      reads.push(read);
    }
    await Promise.all(reads);
    for (const id of users) {
      const user = this.#users.get(id);
      if (!user) throw new Error('STATE_FORGOTTEN the state was dropped while it was read');
      this.#users.delete(id);
      this.#users.set(id, user);
    }
  }

  /** Past the bound, the least recently used users that need nothing more are let go. */
  #evict(): void {
    const bound = this.#options.cachedUsers;
    if (this.#users.size <= bound) return;
    for (const [id, user] of this.#users) {
      if (this.#users.size <= bound) return;
      if (!user.changed && user.kept.size === 0 && !this.#saving.has(id)) this.#users.delete(id);
    }
  }

  async #save(
    saves: readonly { id: string; version: number; record: string; through: string }[],
    offsets: ReadonlyMap<string, number>,
    generation: number,
  ): Promise<void> {
    try {
      const saved = await this.#followingSlots(() =>
        Promise.all(
          saves.map(({ id, version, record, through }) =>
            this.#client.saveUser(this.#keys.user(id), version, record, through, this.#limits.retentionMs),
          ),
        ),
      );
      // A newer record was saved by the partition's new owner: this copy is stale.
      saves.forEach(({ id }, i) => {
        if (saved[i] === 0 && generation === this.#generation) this.#users.delete(id);
      });
      await this.#replicated();
      if (offsets.size)
        await this.#client.hset(
          this.#keys.checkpoints(this.#options.group),
          Object.fromEntries([...offsets].map(([input, offset]) => [input, String(offset)])),
        );
    } catch (error) {
      for (const { id } of saves) {
        const user = generation === this.#generation ? this.#users.get(id) : undefined;
        if (!user) continue;
        user.changed = true;
        this.#dirty.add(id);
      }
      throw error;
    } finally {
      for (const { id } of saves) this.#saving.delete(id);
    }
  }

  /**
   * Waits until what was written reached the replicas (WAIT, on every master's connection: it covers
   * what that connection wrote). After the timeout it goes on with fewer copies rather than stalling
   * while a replica is away.
   */
  async #replicated(): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.#options;
    if (waitReplicas === 0) return;
    const client = this.#client;
    const masters =
      'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
    await Promise.all(masters.map((node) => node.wait(waitReplicas, waitTimeoutMs)));
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

/** The input and offset of a message read from Kafka (`topic/partition@offset`); none for a file's line. */
function inputOf(origin: string | undefined): { name: string; offset: number } | undefined {
  const at = origin?.lastIndexOf('@') ?? -1;
  if (at < 0) return undefined;
  const offset = Number(origin!.slice(at + 1));
  return Number.isSafeInteger(offset) ? { name: origin!.slice(0, at), offset } : undefined;
}

/**
 * An event the saved record holds already, met again while a restore replays its partition: nothing
 * to apply, and, as a duplicate without a first view, nothing to detect.
 */
const alreadyHeld = (op: UserOp) => ({ kind: op.kind, duplicate: true, firstView: false }) as UserView;

function heldUserOf(hash: Record<string, string>): HeldUser {
  const record = hash.s ? (JSON.parse(hash.s) as UserRecord) : newUserRecord();
  const loaded = hash.t ? (JSON.parse(hash.t) as Record<string, number>) : {};
  return { record, kept: new Map(), changed: false, through: { ...loaded }, loaded };
}
