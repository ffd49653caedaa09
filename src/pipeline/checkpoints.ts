import type { Logger } from '../ops/logger.ts';
import type { CheckpointedStore } from '../state/store.ts';
import { briefly } from './errors.ts';

export interface CheckpointMetrics {
  checkpointed(outcome: 'saved' | 'failed', seconds: number): void;
  replayed(count: number): void;
}

/** What to do with a batch of an input, so that the state it meets is the state as of its offset. */
export type Plan =
  /** Read the input again from this offset: its events from there on are not in the saved state. */
  | { readonly kind: 'rewind'; readonly to: number }
  /** Apply the messages below `until` to state only (their effects are committed), the rest as usual. */
  | { readonly kind: 'replay'; readonly from: number; readonly until: number }
  /** Another input of the same partition number is replaying: read this batch again later. */
  | { readonly kind: 'wait' }
  | { readonly kind: 'process' };

/**
 * The processor's side of checkpointed state (`CheckpointedStore`). Batches hold a shared gate from
 * their first state change to their commit; a checkpoint closes the gate, so the state it takes is the
 * state as of the offsets committed, and saves it in the background. After a rebalance, or a batch
 * that failed after changing state, the state in memory is dropped and every input is first replayed
 * from its checkpoint up to where its next batch starts (the group's committed offset), state only.
 * The inputs of one partition number (one set of users) replay before any of them goes on.
 */
export class Checkpoints {
  readonly #store: CheckpointedStore;
  readonly #intervalMs: number;
  readonly #metrics: CheckpointMetrics;
  readonly #logger: Logger;
  readonly #gate = new Gate();
  /** Per input, the offset the state in memory is as of, for inputs read since the state was dropped. */
  readonly #asOf = new Map<string, number>();
  /** Inputs replaying: from where (what was replayed so far) until where. */
  readonly #replaying = new Map<string, { next: number; until: number }>();
  readonly #ready = new Set<string>();
  #dropPending = false;
  #lastMs = Date.now();
  #saving: Promise<void> | undefined;

  constructor(store: CheckpointedStore, intervalMs: number, metrics: CheckpointMetrics, logger: Logger) {
    this.#store = store;
    this.#intervalMs = intervalMs;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /** Partitions moved, or a batch failed after changing state: what memory holds may be ahead. */
  invalidate(): void {
    this.#dropPending = true;
  }

  /**
   * Runs a batch's work on state, from its plan through its commit, while no checkpoint is taken and
   * the state is not dropped. A failure leaves the state in memory suspect: it is dropped and replayed.
   */
  async batch<T>(input: string, start: () => Promise<number>, work: (plan: Plan) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#dropPending) await this.#gate.exclusive(() => this.#drop());
      await this.#gate.enter();
      if (!this.#dropPending) break;
      this.#gate.leave();
    }
    try {
      return await work(await this.#plan(input, start));
    } catch (error) {
      this.invalidate();
      throw error;
    } finally {
      this.#gate.leave();
    }
  }

  /** `start`: where the input's next batch starts, the group's committed offset; asked once per drop. */
  async #plan(input: string, start: () => Promise<number>): Promise<Plan> {
    if (!this.#ready.has(input) && !this.#replaying.has(input)) {
      const first = await start();
      const from = (await this.#store.restorePoints([input])).get(input) ?? 0;
      if (from >= first) this.#ready.add(input);
      else {
        this.#replaying.set(input, { next: from, until: first });
        return { kind: 'rewind', to: from };
      }
    }
    const replay = this.#replaying.get(input);
    if (replay) return { kind: 'replay', from: replay.next, until: replay.until };
    const partition = partitionOf(input);
    for (const other of this.#replaying.keys()) if (partitionOf(other) === partition) return { kind: 'wait' };
    return { kind: 'process' };
  }

  /** The state in memory now holds `input` up to `next`: committed, or replayed. */
  advanced(input: string, next: number): void {
    this.#asOf.set(input, next);
    this.passed(input, next);
  }

  /**
   * Reading `input` went past `next` with nothing more to apply below it: transaction markers take
   * offsets too, so a replay may end on offsets that hold no event.
   */
  passed(input: string, next: number): void {
    const replay = this.#replaying.get(input);
    if (!replay) return;
    replay.next = Math.max(replay.next, next);
    if (replay.next >= replay.until) {
      this.#replaying.delete(input);
      this.#ready.add(input);
    }
  }

  replayed(input: string, next: number, count: number): void {
    this.#metrics.replayed(count);
    this.advanced(input, next);
  }

  /** After a batch: a checkpoint in the background when one is due and none is running. */
  due(): void {
    if (this.#saving || this.#dropPending) return;
    if (Date.now() - this.#lastMs < this.#intervalMs && !this.#store.wantsCheckpoint) return;
    this.#saving = this.#checkpoint()
      .catch((error: unknown) =>
        this.#logger.warn({ err: briefly(error) }, 'saving a checkpoint failed; the next one retries'),
      )
      .finally(() => (this.#saving = undefined));
  }

  /** On a clean stop: the last checkpoint, so the next owner replays nothing. */
  async flush(): Promise<void> {
    await this.#saving;
    if (!this.#dropPending) await this.#checkpoint();
  }

  async #checkpoint(): Promise<void> {
    const started = performance.now();
    this.#lastMs = Date.now();
    try {
      // The state is taken inside the gate; the saving goes on outside it, behind new batches.
      const saving = await this.#gate.exclusive(() => this.#store.checkpoint(new Map(this.#asOf)));
      await saving;
      this.#metrics.checkpointed('saved', (performance.now() - started) / 1000);
    } catch (error) {
      this.#metrics.checkpointed('failed', (performance.now() - started) / 1000);
      throw error;
    }
  }

  #drop(): void {
    this.#store.forget();
    this.#asOf.clear();
    this.#replaying.clear();
    this.#ready.clear();
    this.#dropPending = false;
  }
}

const partitionOf = (input: string) => input.slice(input.lastIndexOf('/') + 1);

/**
 * Batches share it; `exclusive` waits until none is inside, keeps new ones out, runs its work, and
 * lets them in again. The work runs in one go (synchronously), so what it sees is one moment.
 */
class Gate {
  #inside = 0;
  #closed: Promise<void> | undefined;
  #emptied: (() => void) | undefined;

  async enter(): Promise<void> {
    while (this.#closed) await this.#closed;
    this.#inside++;
  }

  leave(): void {
    this.#inside--;
    if (this.#inside === 0) this.#emptied?.();
  }

  async exclusive<T>(work: () => T): Promise<T> {
    while (this.#closed) await this.#closed;
    let open!: () => void;
    this.#closed = new Promise<void>((resolve) => (open = resolve));
    try {
      if (this.#inside > 0) await new Promise<void>((resolve) => (this.#emptied = resolve));
      return work();
    } finally {
      this.#emptied = undefined;
      this.#closed = undefined;
      open();
    }
  }
}
