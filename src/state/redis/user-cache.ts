import type { KeptView } from '../apply.ts';
import type { UserRecord } from '../user-state.ts';

/** A kept first view as stored, with when (wall clock) it was kept. */
export interface StoredView extends KeptView {
  readonly keptAtMs?: number;
}

/** A user's state as this process last read or wrote it, and the version Redis holds of it. */
export interface CachedUser {
  readonly record: UserRecord;
  version: number;
  /** Kept first views by field (`r:<eventKey>`), as in the user's hash. */
  readonly kept: Map<string, StoredView>;
}

/**
 * The users this process changed or read lately, least recently used first out. Its partitions' users
 * are written by this process alone, so what it wrote last is what Redis holds; the version check on
 * every save catches the exceptions (a partition that moved away and back), and the user is read again.
 */
export class UserCache {
  readonly #users = new Map<string, CachedUser>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#users.size;
  }

  /** The user, now the most recently used. */
  get(user: string): CachedUser | undefined {
    const cached = this.#users.get(user);
    if (cached) {
      this.#users.delete(user);
      this.#users.set(user, cached);
    }
    return cached;
  }

  /** The user, without counting as a use. */
  peek(user: string): CachedUser | undefined {
    return this.#users.get(user);
  }

  set(user: string, cached: CachedUser): void {
    this.#users.delete(user);
    if (this.#capacity === 0) return;
    this.#users.set(user, cached);
    if (this.#users.size > this.#capacity) this.#users.delete(this.#users.keys().next().value!);
  }

  delete(user: string): void {
    this.#users.delete(user);
  }

  clear(): void {
    this.#users.clear();
  }
}
