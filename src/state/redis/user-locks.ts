/**
 * One batch at a time per user, within this process: batches of two partitions (a user's sign-ins and
 * their data access arrive on different topics) may run at once, and a user's cached record is changed
 * in place. A batch waits only for batches that asked before it, so waiting cannot go round in a circle.
 */
export class UserLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async holding<T>(users: Iterable<string>, work: () => Promise<T>): Promise<T> {
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const earlier: Promise<void>[] = [];
    const held = [...users];
    for (const user of held) {
      const tail = this.#tails.get(user);
      if (tail) earlier.push(tail);
      this.#tails.set(user, mine);
    }
    try {
      if (earlier.length) await Promise.all(earlier);
      return await work();
    } finally {
      done();
      for (const user of held) if (this.#tails.get(user) === mine) this.#tails.delete(user);
    }
  }
}
