import type {
  AccessOp,
  AccessView,
  AuthOp,
  AuthView,
  Profile,
  Sighting,
  StateLimits,
  UserOp,
} from './store.ts';
import { addToBucket, bucketOf, trimBuckets, windowEndingAt, windowPeaks, type Bucket } from './windows.ts';

/**
 * Everything Vigil keeps about one user, as plain data: the in-memory store holds it as it is and the
 * Redis store keeps it as JSON. Every list is bounded, so a user's state stays small whatever they send.
 */
export interface UserRecord {
  /** Earliest event time of the user's history (ms). */
  first?: number;
  logins: number;
  /** Device or country → [first, last] sighting (ms). */
  devices: Record<string, [number, number]>;
  countries: Record<string, [number, number]>;
  /** Successful sign-ins, ascending by time: [atMs, eventKey, place ('' = not located)]. */
  signIns: [number, string, string][];
  /** Failed logins and rejected MFA prompts per bucket: [bucket, logins, mfa]. */
  failures: Bucket[];
  /** Exported records per bucket: [bucket, records, events]. */
  records: Bucket[];
  /** Running mean of the user's window totals, and how many totals it holds. */
  baseline: [mean: number, samples: number];
  /** Keys of the latest state-changing events, oldest first, for idempotence. */
  seen: string[];
}

export const newUserRecord = (): UserRecord => ({
  logins: 0,
  devices: {},
  countries: {},
  signIns: [],
  failures: [],
  records: [],
  baseline: [0, 0],
  seen: [],
});

/** How many event keys a user remembers for idempotence; redelivery comes within a batch or two. */
export const SEEN_EVENTS = 32;

/** Applies one operation to a user's record and returns what detection needs, as it was before it. */
export function applyUserOp(record: UserRecord, op: UserOp, limits: StateLimits): AuthView | AccessView {
  return op.kind === 'auth' ? applyAuth(record, op, limits) : applyAccess(record, op, limits);
}

// Absent, not undefined, for a new user: a view read back from JSON must equal the one first made.
const profileOf = ({ first, logins }: UserRecord): Profile => ({
  ...(first !== undefined && { firstSeenMs: first }),
  logins,
});
const hasSeen = (record: UserRecord, key: string) => record.seen.includes(key);

function remember(record: UserRecord, key: string): void {
  record.seen.push(key);
  if (record.seen.length > SEEN_EVENTS) record.seen.splice(0, record.seen.length - SEEN_EVENTS);
}

function sightingOf(entry: [number, number] | undefined): Sighting | undefined {
  return entry && { firstMs: entry[0], lastMs: entry[1] };
}

function widen(map: Record<string, [number, number]>, key: string, atMs: number, max: number): void {
  const entry = map[key];
  if (entry) {
    map[key] = [Math.min(entry[0], atMs), Math.max(entry[1], atMs)];
    return;
  }
  const keys = Object.keys(map);
  if (keys.length >= max) {
    // The least recently seen goes: an attacker who cycles values can only push out their own.
    let oldest = keys[0]!;
    for (const candidate of keys) if (map[candidate]![1] < map[oldest]![1]) oldest = candidate;
    delete map[oldest];
  }
  map[key] = [atMs, atMs];
}

function failureCounts(record: UserRecord, atMs: number, limits: StateLimits) {
  const index = bucketOf(atMs, limits.failureWindowMs);
  return {
    logins: windowPeaks(record.failures, index, 1),
    mfa: windowPeaks(record.failures, index, 2),
  };
}

type FailureCounts = ReturnType<typeof failureCounts>;

/** The failures an auth view reports: the heaviest windows holding it, and near it before it came. */
const countsOf = (before: FailureCounts, after: FailureCounts) => ({
  loginFailures: after.logins.holding,
  mfaFailures: after.mfa.holding,
  loginFailuresBefore: before.logins.nearby,
  mfaFailuresBefore: before.mfa.nearby,
});

function applyAuth(record: UserRecord, op: AuthOp, limits: StateLimits): AuthView {
  const base = {
    kind: 'auth',
    firstView: false,
    profile: profileOf(record),
    knownCountries: [],
    knownDevices: 0,
  } as const;
  const noFailures = { loginFailures: 0, mfaFailures: 0, loginFailuresBefore: 0, mfaFailuresBefore: 0 };
  if (op.outcome === 'other') return { ...base, duplicate: false, ...noFailures };

  if (op.outcome === 'login_failure' || op.outcome === 'mfa_failure') {
    const duplicate = hasSeen(record, op.eventKey);
    const before = failureCounts(record, op.atMs, limits);
    if (duplicate) return { ...base, duplicate, ...countsOf(before, before) };
    const index = bucketOf(op.atMs, limits.failureWindowMs);
    addToBucket(record.failures, index, op.outcome === 'login_failure' ? [1, 0] : [0, 1]);
    remember(record, op.eventKey);
    const after = failureCounts(record, op.atMs, limits);
    trimBuckets(record.failures);
    return { ...base, duplicate, ...countsOf(before, after) };
  }

  if (hasSeen(record, op.eventKey)) return { ...base, duplicate: true, ...noFailures };

  let earlier: { atMs: number; place: string } | undefined;
  let later: { atMs: number; place: string } | undefined;
  if (op.place) {
    // A sign-in at the same millisecond counts as earlier.
    for (const [atMs, , place] of record.signIns) {
      if (!place) continue;
      if (atMs <= op.atMs) earlier = { atMs, place };
      else if (!later) later = { atMs, place };
    }
  }

  const device = op.device ? record.devices[op.device] : undefined;
  const country = op.country ? record.countries[op.country] : undefined;
  const knownDevices = op.device && !device ? Object.keys(record.devices).length : 0;
  const knownCountries = op.country && !country ? Object.keys(record.countries).sort(compareBytes) : [];

  let at = record.signIns.length;
  while (at > 0 && record.signIns[at - 1]![0] > op.atMs) at--;
  record.signIns.splice(at, 0, [op.atMs, op.eventKey, op.place ?? '']);
  const newest = record.signIns.at(-1)![0];
  const kept = record.signIns.filter(([atMs]) => atMs > newest - limits.historyTtlMs);
  record.signIns = kept.slice(Math.max(0, kept.length - limits.historySize));
  record.first = record.first === undefined ? op.atMs : Math.min(record.first, op.atMs);
  if (op.outcome === 'login') record.logins++;
  if (op.device) widen(record.devices, op.device, op.atMs, limits.maxDevices);
  if (op.country) widen(record.countries, op.country, op.atMs, limits.maxCountries);
  remember(record, op.eventKey);

  const deviceSeen = sightingOf(device);
  const countrySeen = sightingOf(country);
  return {
    ...base,
    duplicate: false,
    ...(earlier && { earlier }),
    ...(later && { later }),
    ...(deviceSeen && { device: deviceSeen }),
    ...(countrySeen && { country: countrySeen }),
    knownCountries,
    knownDevices,
    // Failure counts matter to failures only: a successful sign-in does not pay for two window scans.
    ...noFailures,
  };
}

function applyAccess(record: UserRecord, op: AccessOp, limits: StateLimits): AccessView {
  const device = sightingOf(op.device ? record.devices[op.device] : undefined);
  const country = sightingOf(op.country ? record.countries[op.country] : undefined);
  const [mean, samples] = record.baseline;
  const view = {
    kind: 'access',
    firstView: false,
    profile: profileOf(record),
    baselineRecords: Math.floor(mean + 0.5),
    baselineSamples: samples,
    ...(device && { device }),
    ...(country && { country }),
  } as const;
  const empty = { windowRecordsBefore: 0, windowRecords: 0, windowEvents: 0, windowPeakBefore: 0 };
  if (op.records === 0) return { ...view, duplicate: false, ...empty };

  const index = bucketOf(op.atMs, limits.bulkWindowMs);
  const duplicate = hasSeen(record, op.eventKey);
  const before = windowPeaks(record.records, index, 1);
  if (!duplicate) {
    addToBucket(record.records, index, [op.records, 1]);
    remember(record, op.eventKey);
    const total = windowEndingAt(record.records, index, 1);
    const n = Math.min(samples + 1, limits.baselineSamples);
    record.baseline = [mean + (total - mean) / n, samples + 1];
  }
  const after = duplicate ? before : windowPeaks(record.records, index, 1);
  trimBuckets(record.records);
  const [records = 0, events = 0] = after.holdingCounts;
  return {
    ...view,
    duplicate,
    windowRecordsBefore: records - (duplicate ? 0 : op.records),
    windowRecords: records,
    windowEvents: events,
    windowPeakBefore: before.nearby,
  };
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
