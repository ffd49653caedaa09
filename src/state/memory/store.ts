import { applyKeeping, isUserOp, type UserSlot } from '../apply.ts';
import { ipWindowPeaks, keepNewest, type IpFailureEntry } from '../ip-failures.ts';
import type { IpFailureOp, IpFailureView, StateLimits, StateOp, StateStore, StateView } from '../store.ts';
import { newUserRecord } from '../user-state.ts';
import { bucketOf } from '../windows.ts';

/**
 * State in process: `replay` runs on it. The per-user logic is the one the Redis store runs; keys do
 * not expire here, but every list is bounded, so memory grows with users, not with events.
 */
export class MemoryStateStore implements StateStore {
  readonly #users = new Map<string, UserSlot>();
  readonly #ipFailures = new Map<string, IpFailureEntry[]>();
  /** First views of address failures not yet released. */
  readonly #ipKept = new Map<string, IpFailureView>();
  readonly #limits: StateLimits;

  constructor(limits: StateLimits) {
    this.#limits = limits;
  }

  async apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return ops.map((op) =>
      isUserOp(op) ? applyKeeping(this.#user(op.user), op, this.#limits) : this.#ip(op),
    );
  }

  async release(ops: readonly StateOp[]): Promise<void> {
    for (const op of ops) {
      if (isUserOp(op)) this.#users.get(op.user)?.kept.delete(op.eventKey);
      else this.#ipKept.delete(ipKeptKey(op));
    }
  }

  async close(): Promise<void> {
    this.#users.clear();
    this.#ipFailures.clear();
    this.#ipKept.clear();
  }

  #user(id: string): UserSlot {
    let slot = this.#users.get(id);
    if (!slot) this.#users.set(id, (slot = { record: newUserRecord(), kept: new Map(), changed: false }));
    return slot;
  }

  #ip(op: IpFailureOp): IpFailureView {
    const kept = this.#ipKept.get(ipKeptKey(op));
    if (kept) return kept;
    const limits = this.#limits;
    const bucket = bucketOf(op.atMs, limits.failureWindowMs);
    const entries = this.#ipFailures.get(op.ip) ?? [];
    const before = ipWindowPeaks(entries, bucket);
    if (!entries.some((e) => e.bucket === bucket && e.user === op.user))
      entries.push({ bucket, user: op.user });
    const after = ipWindowPeaks(entries, bucket);
    this.#ipFailures.set(op.ip, keepNewest(entries, limits.maxWindowEntries));
    const view: IpFailureView = {
      kind: 'ip-failure',
      usersBefore: before.nearby,
      users: after.holding,
      sampleUsers: after.holdingUsers.slice(0, limits.sampleUsers),
    };
    this.#ipKept.set(ipKeptKey(op), view);
    return view;
  }
}

const ipKeptKey = (op: IpFailureOp) => `${op.ip}|${op.user}|${op.eventKey}`;
