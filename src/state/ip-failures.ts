import { WINDOW_BUCKETS } from './windows.ts';

/**
 * Failed sign-ins from one address (or one IPv6 /64), shared by every user's partition: kept as the
 * set of (bucket, user) pairs, which is the same whichever partition writes first and however far
 * apart in event time the partitions are. Nothing is trimmed by event time, only by count (newest
 * buckets stay), so a partition far behind still finds what the others wrote about its past.
 * record-ip-failure-2.lua does the same in Redis; the conformance suite holds both to it.
 */
export interface IpFailureEntry {
  readonly bucket: number;
  readonly user: string;
}

export interface IpWindowPeaks {
  /** Distinct users in the busiest window holding `bucket`, newest first, and their count. */
  readonly holding: number;
  readonly holdingUsers: readonly string[];
  /** Distinct users in the busiest window overlapping any window holding `bucket`. */
  readonly nearby: number;
}

export function ipWindowPeaks(entries: readonly IpFailureEntry[], bucket: number): IpWindowPeaks {
  const k = WINDOW_BUCKETS;
  let holding: Map<string, number> = new Map();
  let nearby = 0;
  for (let start = bucket - 2 * k + 2; start <= bucket + k - 1; start++) {
    const latest = new Map<string, number>();
    for (const entry of entries)
      if (entry.bucket >= start && entry.bucket < start + k)
        latest.set(entry.user, Math.max(latest.get(entry.user) ?? -Infinity, entry.bucket));
    nearby = Math.max(nearby, latest.size);
    if (start <= bucket && bucket < start + k && latest.size > holding.size) holding = latest;
  }
  const holdingUsers = [...holding]
    .sort(([a, at], [b, bt]) => bt - at || Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([user]) => user);
  return { holding: holding.size, holdingUsers, nearby };
}

/** The entries kept: the newest `max` by bucket, then by user, as a Redis sorted set orders them. */
export function keepNewest(entries: IpFailureEntry[], max: number): IpFailureEntry[] {
  if (entries.length <= max) return entries;
  const member = (e: IpFailureEntry) => `${e.bucket}|${e.user}`;
  return entries
    .sort((a, b) => a.bucket - b.bucket || Buffer.compare(Buffer.from(member(a)), Buffer.from(member(b))))
    .slice(entries.length - max);
}
