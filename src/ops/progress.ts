/**
 * What a consumer reports about its own progress, for health: when it last committed, how many
 * batches it holds, how far behind its partitions were, and why it cannot commit. A process that holds
 * work or lags but has not committed for the stall timeout is stuck, whatever its connections say.
 */
export class Progress {
  #lastCommitMs = Date.now();
  #inHand = 0;
  readonly #lag = new Map<string, number>();
  #failure: string | undefined;

  get lastCommitMs(): number {
    return this.#lastCommitMs;
  }

  /** Why the last attempt to commit failed, until one succeeds. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Runs one batch's work, counted as in hand until it ends either way. */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    this.#inHand++;
    try {
      return await work();
    } finally {
      this.#inHand--;
    }
  }

  committed(): void {
    this.#lastCommitMs = Date.now();
    this.#failure = undefined;
  }

  failed(reason: string): void {
    this.#failure = reason;
  }

  lag(topic: string, partition: number, lag: number): void {
    this.#lag.set(`${topic}/${partition}`, lag);
  }

  /** Why this consumer is stuck, or undefined while it is making progress or has nothing to do. */
  stalled(stallMs: number, nowMs = Date.now()): string | undefined {
    const silentMs = nowMs - this.#lastCommitMs;
    if (silentMs <= stallMs) return undefined;
    let lag = 0;
    for (const value of this.#lag.values()) lag += value;
    if (this.#inHand === 0 && lag === 0) return undefined;
    const waiting = this.#inHand ? `${this.#inHand} batch(es) in hand` : `${lag} messages behind`;
    return `no commit for ${Math.round(silentMs / 1000)} s with ${waiting}${this.#failure ? `: ${this.#failure}` : ''}`;
  }
}
