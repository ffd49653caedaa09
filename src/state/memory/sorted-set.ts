/** A Redis sorted set in miniature: members ordered by score, then by member (byte order), as Redis does. */
export class SortedSet {
  readonly #entries: { score: number; member: string }[] = [];
  readonly #scores = new Map<string, number>();

  get size(): number {
    return this.#entries.length;
  }

  score(member: string): number | undefined {
    return this.#scores.get(member);
  }

  add(score: number, member: string): void {
    if (this.#scores.has(member)) this.delete(member);
    const at = this.#indexOf(score, member);
    this.#entries.splice(at, 0, { score, member });
    this.#scores.set(member, score);
  }

  delete(member: string): void {
    const score = this.#scores.get(member);
    if (score === undefined) return;
    this.#entries.splice(this.#indexOf(score, member), 1);
    this.#scores.delete(member);
  }

  /** Ascending entries with min < score ≤ max (`minExclusive`) or min ≤ score ≤ max. */
  range(min: number, max: number, minExclusive = false): { score: number; member: string }[] {
    return this.#entries.filter((e) => (minExclusive ? e.score > min : e.score >= min) && e.score <= max);
  }

  /** Drops entries with score ≤ max. */
  removeUpTo(max: number): void {
    for (const entry of this.range(-Infinity, max)) this.delete(entry.member);
  }

  /** Keeps the `count` highest entries. */
  keepHighest(count: number): void {
    for (const entry of this.#entries.slice(0, Math.max(0, this.#entries.length - count)))
      this.delete(entry.member);
  }

  #indexOf(score: number, member: string): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const e = this.#entries[mid]!;
      if (e.score < score || (e.score === score && compareBytes(e.member, member) < 0)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
