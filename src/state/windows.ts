/**
 * Counts in event time, kept as fixed buckets: a window's cost depends on its length, never on how many
 * events fell in it, and adding an event is commutative, so the state after a burst is the same in any
 * arrival order. A window is `WINDOW_BUCKETS` consecutive buckets.
 */
export const WINDOW_BUCKETS = 20;

/** `[bucket index, …counts]`, ascending by bucket; a plain array so it serializes as it is. */
export type Bucket = [index: number, ...counts: number[]];

export const bucketOf = (atMs: number, windowMs: number) =>
  Math.floor(atMs / Math.max(1, Math.floor(windowMs / WINDOW_BUCKETS)));

/** Adds `counts` to the bucket at `index`, keeping the list ascending. */
export function addToBucket(buckets: Bucket[], index: number, counts: readonly number[]): void {
  let i = buckets.length;
  while (i > 0 && buckets[i - 1]![0] > index) i--;
  const found = i > 0 && buckets[i - 1]![0] === index ? buckets[i - 1] : undefined;
  if (found) counts.forEach((count, c) => (found[c + 1] = (found[c + 1] ?? 0) + count));
  else buckets.splice(i, 0, [index, ...counts]);
}

/**
 * Keeps the newest `KEPT_BUCKETS` buckets that hold something, however far apart: a count cap, not a
 * time cap, so an event that arrives a day late still finds the burst it belongs to, while a user's
 * windows never cost more than this many buckets.
 */
export const KEPT_BUCKETS = 3 * WINDOW_BUCKETS;

export function trimBuckets(buckets: Bucket[]): void {
  if (buckets.length > KEPT_BUCKETS) buckets.splice(0, buckets.length - KEPT_BUCKETS);
}

export interface WindowPeaks {
  /** The heaviest window that holds bucket `index`, and the other columns of that window. */
  readonly holding: number;
  readonly holdingCounts: readonly number[];
  /** The heaviest window that overlaps any window holding `index`: was this stretch already over? */
  readonly nearby: number;
}

/**
 * Peaks by the count at `column` (1-based) around bucket `index`. Every window that could hold an event
 * at `index` is looked at, so a late event that completes a burst in the past is seen completing it,
 * and a burst is reported once whichever of its events arrives last.
 */
export function windowPeaks(buckets: readonly Bucket[], index: number, column: number): WindowPeaks {
  const k = WINDOW_BUCKETS;
  const from = index - 2 * k + 2;
  const width = 4 * k - 3;
  const columns = buckets.reduce((most, bucket) => Math.max(most, bucket.length - 1), 0);
  const dense = Array.from({ length: columns }, () => new Array<number>(width).fill(0));
  for (const bucket of buckets) {
    const slot = bucket[0] - from;
    if (slot < 0 || slot >= width) continue;
    for (let c = 1; c < bucket.length; c++) dense[c - 1]![slot]! += bucket[c]!;
  }
  const sums = new Array<number>(columns).fill(0);
  let holding = 0;
  let holdingCounts: number[] = [];
  let nearby = 0;
  for (let slot = 0; slot < width; slot++) {
    for (let c = 0; c < columns; c++) {
      sums[c]! += dense[c]![slot]!;
      if (slot >= k) sums[c]! -= dense[c]![slot - k]!;
    }
    if (slot < k - 1) continue;
    const total = sums[column - 1] ?? 0;
    nearby = Math.max(nearby, total);
    const start = from + slot - k + 1;
    if (start <= index && index <= start + k - 1 && total > holding) {
      holding = total;
      holdingCounts = [...sums];
    }
  }
  return { holding, holdingCounts, nearby };
}

/** The window that ends with bucket `index`: what a user had just done when the event happened. */
export function windowEndingAt(buckets: readonly Bucket[], index: number, column: number): number {
  let total = 0;
  for (const bucket of buckets)
    if (bucket[0] > index - WINDOW_BUCKETS && bucket[0] <= index) total += bucket[column] ?? 0;
  return total;
}
