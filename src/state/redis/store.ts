import type { Cluster, Redis } from 'ioredis';
import { applyKeeping, isUserOp, type KeptView, type UserSlot } from '../apply.ts';
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

/** How many replicas must hold a batch's state before it counts as saved (`redis.waitReplicas`). */
export interface Replication {
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
}

interface LoadedSlot extends UserSlot {
  readonly version: number;
  readonly stale: readonly string[];
  readonly added: Map<string, KeptView>;
}

/** A kept first view as stored, with when (wall clock) it was kept. */
interface StoredView extends KeptView {
  readonly keptAtMs: number;
}

/**
 * Redis keeps each user's record; the logic that changes it is `user-state.ts`, the same code the
 * in-memory store runs. A batch reads every user it touches (one HGETALL each), applies its operations
 * in order, and writes each changed user back with a compare-and-set on the record's version. With
 * auto-pipelining both steps are one round trip per Redis node. Address failures, shared across users
 * and so across partitions, stay a script (`record-ip-failure-2.lua`).
 */
export class RedisStateStore implements StateStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StateKeys;
  readonly #limits: StateLimits;
  readonly #replication: Replication;

  constructor(
    client: Redis | Cluster,
    keys: StateKeys,
    limits: StateLimits,
    replication: Replication = { waitReplicas: 0, waitTimeoutMs: 0 },
  ) {
    if (!client.options.enableAutoPipelining) throw new Error('RedisStateStore needs enableAutoPipelining');
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#replication = replication;
    defineScripts(client);
  }

  apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return this.#followingSlots(() => this.#apply(ops));
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
    // Both at once, and awaited together: a failure of either fails the batch, never the process.
    const [slots, ipViews] = await Promise.all([
      this.#load(ops.filter(isUserOp)),
      Promise.all(ops.map((op) => (isUserOp(op) ? undefined : this.#recordIpFailure(op)))),
    ]);
    const views = ops.map((op) =>
      isUserOp(op) ? applyKeeping(slots.get(op.user)!, op, this.#limits) : undefined,
    );
    await this.#save(slots);
    await this.#replicated();
    return views.map((view, i) => view ?? ipViews[i]!);
  }

  /**
   * Waits until the batch's writes reached the replicas (WAIT, on every master's connection: it covers
   * what that connection wrote). After the timeout the batch goes on with fewer copies rather than
   * stalling while a replica is away.
   */
  async #replicated(): Promise<void> {
    const { waitReplicas, waitTimeoutMs } = this.#replication;
    if (waitReplicas === 0) return;
    const client = this.#client;
    const masters =
      'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
    await Promise.all(masters.map((node) => node.wait(waitReplicas, waitTimeoutMs)));
  }

  async release(ops: readonly StateOp[]): Promise<void> {
    await this.#followingSlots(() =>
      Promise.all(
        ops.map((op) =>
          isUserOp(op)
            ? this.#client.hdel(this.#keys.user(op.user), `r:${op.eventKey}`)
            : this.#client.hdel(this.#keys.ipReplies(op.ip), `${op.user}|${op.eventKey}`),
        ),
      ),
    );
  }

  async close(): Promise<void> {
    await this.#client.quit();
  }

  async #load(ops: readonly UserOp[]): Promise<Map<string, LoadedSlot>> {
    const users = [...new Set(ops.map((op) => op.user))];
    const hashes = await Promise.all(users.map((user) => this.#client.hgetall(this.#keys.user(user))));
    const now = Date.now();
    return new Map(
      users.map((user, i) => {
        const hash = hashes[i]!;
        const kept = new Map<string, KeptView>();
        const stale: string[] = [];
        for (const [field, value] of Object.entries(hash)) {
          if (!field.startsWith('r:')) continue;
          const stored = JSON.parse(value) as StoredView;
          // A view nobody released (its process died after committing) stops being served after a while.
          if (now - stored.keptAtMs > this.#limits.replyTtlMs) stale.push(field);
          else kept.set(field, { view: stored.view, ...(stored.origin && { origin: stored.origin }) });
        }
        const record = hash.s ? (JSON.parse(hash.s) as UserRecord) : newUserRecord();
        return [
          user,
          { record, kept, changed: false, version: Number(hash.v ?? 0), stale, added: new Map() },
        ];
      }),
    );
  }

  async #save(slots: ReadonlyMap<string, LoadedSlot>): Promise<void> {
    const keptAtMs = Date.now();
    await Promise.all(
      [...slots]
        .filter(([, slot]) => slot.changed || slot.stale.length)
        .map(([user, slot]) =>
          this.#client.saveUser(
            this.#keys.user(user),
            slot.version,
            JSON.stringify(slot.record),
            this.#limits.retentionMs,
            slot.stale.length,
            ...slot.stale,
            ...[...slot.added].flatMap(([field, kept]) => [field, JSON.stringify({ ...kept, keptAtMs })]),
          ),
        ),
    );
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
