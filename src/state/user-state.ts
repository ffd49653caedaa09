import type {
  AccessOp,
  AllowEntry,
  FeedbackOp,
  FeedbackView,
  AccessView,
  AuthOp,
  AuthView,
  Profile,
  RiskContribution,
  RiskOp,
  RiskView,
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
  /** Access events of every action per bucket of the rate window: [bucket, events]. */
  requests?: Bucket[];
  /** Access events per hour, the newest `RATE_HOURS` active hours: [hour since the epoch, events]. */
  hours?: [number, number][];
  /** Earliest access event (ms). */
  accessFirst?: number;
  /** Resource key → [first, last] access, in minutes since the epoch (minutes keep the record small). */
  resources?: Record<string, [number, number]>;
  /** First accesses to resources per bucket of the resource window: [bucket, firsts]. */
  firsts?: Bucket[];
  /** Signals that make up the user's risk, ascending by time: [atMs, weighted score, type, signal id]. */
  risk?: [number, number, string, string][];
  /**
   * Allowlist entries from benign verdicts, the `MAX_ALLOW` that end last:
   * [expires ms, signals joined by ',' ('' = all), CIDR ('' = any), owner, reason, feedback id].
   */
  allow?: [number, string, string, string, string, string][];
  /** Devices an analyst confirmed compromised, the newest `MAX_COMPROMISED`: [device, verdict ms]. */
  compromised?: [string, number][];
  /** A confirmed takeover keeps the user's risk at least this high until: [risk, until ms]. */
  riskFloor?: [number, number];
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

/**
 * Active hours a user's request baseline is built from: three weeks of a working day's eight hours.
 * A count cap, so a late event finds the same hours whatever arrived before it.
 */
export const RATE_HOURS = 120;

export const MAX_ALLOW = 8;
export const MAX_COMPROMISED = 8;
/** A confirmed takeover holds the user's risk at 0.95 for a week of event time. */
export const CONFIRMED_RISK: readonly [risk: number, forMs: number] = [0.95, 7 * 86_400_000];

/** Applies one operation to a user's record and returns what detection needs, as it was before it. */
export function applyUserOp(
  record: UserRecord,
  op: UserOp,
  limits: StateLimits,
): AuthView | AccessView | RiskView | FeedbackView {
  switch (op.kind) {
    case 'auth':
      return withAllowlist(record, op.atMs, applyAuth(record, op, limits));
    case 'access':
      return withAllowlist(record, op.atMs, applyAccess(record, op, limits));
    case 'risk':
      return applyRisk(record, op, limits);
    case 'feedback':
      return applyFeedback(record, op, limits);
  }
}

/** The entries still acting at `atMs`: an expired one stops on its own, whatever was sent after it. */
export function allowlistOf(record: Pick<UserRecord, 'allow'>, atMs: number): AllowEntry[] {
  return (record.allow ?? [])
    .filter(([expiresMs]) => expiresMs > atMs)
    .map(([expiresMs, signals, network, owner, reason, id]) => ({
      id,
      signals: signals ? signals.split(',') : [],
      ...(network && { network }),
      owner,
      reason,
      expiresMs,
    }));
}

function withAllowlist<T extends AuthView | AccessView>(record: UserRecord, atMs: number, view: T): T {
  const active = allowlistOf(record, atMs);
  return active.length ? { ...view, allowlist: active } : view;
}

/**
 * An analyst's verdict. Benign teaches: the device and country become known as if the user had signed
 * in from them then, and an allowlist entry is added. Confirmed marks the device compromised and keeps
 * the user's risk high for a week. Each verdict counts once, by its key.
 */
function applyFeedback(record: UserRecord, op: FeedbackOp, limits: StateLimits): FeedbackView {
  const base = { kind: 'feedback', firstView: false } as const;
  if (hasSeen(record, op.eventKey)) return { ...base, duplicate: true, changed: [] };
  remember(record, op.eventKey);
  const changed: string[] = [];
  if (op.verdict === 'benign') {
    if (op.device) {
      widen(record.devices, op.device, op.atMs, limits.maxDevices);
      changed.push('device');
    }
    if (op.country) {
      widen(record.countries, op.country, op.atMs, limits.maxCountries);
      changed.push('country');
    }
    if (op.allow) {
      const a = op.allow;
      const allow = (record.allow ??= []).filter(([, , , , , id]) => id !== a.id);
      allow.push([a.expiresMs, a.signals.join(','), a.network ?? '', a.owner, a.reason, a.id]);
      allow.sort((x, y) => x[0] - y[0] || compareBytes(x[5], y[5]));
      record.allow = allow.slice(Math.max(0, allow.length - MAX_ALLOW));
      changed.push('allowlist');
    }
    return { ...base, duplicate: false, changed };
  }
  if (op.device) {
    const compromised = (record.compromised ??= []).filter(([device]) => device !== op.device);
    compromised.push([op.device, op.atMs]);
    compromised.sort((x, y) => x[1] - y[1] || compareBytes(x[0], y[0]));
    record.compromised = compromised.slice(Math.max(0, compromised.length - MAX_COMPROMISED));
    changed.push('compromised');
  }
  const [risk, forMs] = CONFIRMED_RISK;
  const until = op.atMs + forMs;
  record.riskFloor = [risk, Math.max(until, record.riskFloor?.[1] ?? 0)];
  changed.push('risk');
  return { ...base, duplicate: false, changed };
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
  const compromised = op.device && record.compromised?.find(([key]) => key === op.device);
  return {
    ...base,
    duplicate: false,
    ...(compromised && { compromisedSinceMs: compromised[1] }),
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
  const duplicate = hasSeen(record, op.eventKey);
  const requests = (record.requests ??= []);
  const hours = (record.hours ??= []);
  const resources = (record.resources ??= {});
  const firsts = (record.firsts ??= []);
  const knownResources = Object.keys(resources).length;
  const accessSinceMs = record.accessFirst;
  const usual = usualRate(hours, op.atMs, limits.ratePercentile);
  const requestIndex = bucketOf(op.atMs, limits.rateWindowMs);
  const requestBefore = windowPeaks(requests, requestIndex, 1);
  let fresh: { before: number; index: number } | undefined;
  if (!duplicate) {
    remember(record, op.eventKey);
    addToBucket(requests, requestIndex, [1]);
    trimBuckets(requests);
    addHour(hours, Math.floor(op.atMs / HOUR_MS));
    record.accessFirst = accessSinceMs === undefined ? op.atMs : Math.min(accessSinceMs, op.atMs);
    if (op.resource !== undefined) fresh = reach(resources, firsts, op.resource, op.atMs, limits);
  }
  const requestAfter = duplicate ? requestBefore : windowPeaks(requests, requestIndex, 1);
  const newResources = fresh ? windowPeaks(firsts, fresh.index, 1).holding : 0;
  const view = {
    kind: 'access',
    duplicate,
    firstView: false,
    profile: profileOf(record),
    baselineRecords: Math.floor(mean + 0.5),
    baselineSamples: samples,
    ...(device && { device }),
    ...(country && { country }),
    windowRequests: requestAfter.holding,
    requestPeakBefore: requestBefore.nearby,
    usualRequestsPerHour: usual.percentile,
    medianRequestsPerHour: usual.median,
    baselineHours: usual.hours,
    ...(accessSinceMs !== undefined && { accessSinceMs }),
    knownResources,
    newResources,
    newResourcesBefore: fresh?.before ?? 0,
  } as const;
  const empty = { windowRecordsBefore: 0, windowRecords: 0, windowEvents: 0, windowPeakBefore: 0 };
  if (op.records === 0) return { ...view, ...empty };

  const index = bucketOf(op.atMs, limits.bulkWindowMs);
  const before = windowPeaks(record.records, index, 1);
  if (!duplicate) {
    addToBucket(record.records, index, [op.records, 1]);
    const total = windowEndingAt(record.records, index, 1);
    const n = Math.min(samples + 1, limits.baselineSamples);
    record.baseline = [mean + (total - mean) / n, samples + 1];
  }
  const after = duplicate ? before : windowPeaks(record.records, index, 1);
  trimBuckets(record.records);
  const [records = 0, events = 0] = after.holdingCounts;
  return {
    ...view,
    windowRecordsBefore: records - (duplicate ? 0 : op.records),
    windowRecords: records,
    windowEvents: events,
    windowPeakBefore: before.nearby,
  };
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function addHour(hours: [number, number][], hour: number): void {
  let i = hours.length;
  while (i > 0 && hours[i - 1]![0] > hour) i--;
  if (i > 0 && hours[i - 1]![0] === hour) hours[i - 1]![1]++;
  else hours.splice(i, 0, [hour, 1]);
  if (hours.length > RATE_HOURS) hours.splice(0, hours.length - RATE_HOURS);
}

/**
 * The user's usual hourly rate as of `atMs`: their active hours before the day before the event's
 * (UTC). Every event of one day shares it, so a burst is judged against one baseline in any arrival
 * order, and a burst never raises its own baseline.
 */
function usualRate(hours: readonly [number, number][], atMs: number, percentile: number) {
  const before = (Math.floor(atMs / 86_400_000) - 1) * 24;
  const counts = hours.filter(([hour]) => hour < before).map(([, count]) => count);
  counts.sort((a, b) => a - b);
  if (counts.length === 0) return { percentile: 0, median: 0, hours: 0 };
  const rank = (p: number) => counts[Math.max(0, Math.ceil((p / 100) * counts.length) - 1)]!;
  return { percentile: rank(percentile), median: rank(50), hours: counts.length };
}

/**
 * Marks a resource reached at `atMs`. A resource's first access is counted in the bucket of its
 * earliest access: one that arrives late, earlier than the first known, moves the count there, so the
 * first accesses a window holds are the same in any arrival order. Returns, for a first access, the
 * busiest window near it before it and its bucket.
 */
function reach(
  resources: Record<string, [number, number]>,
  firsts: Bucket[],
  key: string,
  atMs: number,
  limits: StateLimits,
): { before: number; index: number } | undefined {
  const minute = Math.floor(atMs / MINUTE_MS);
  const bucket = (m: number) => bucketOf(m * MINUTE_MS, limits.resourceWindowMs);
  const entry = resources[key];
  if (entry && entry[0] <= minute) {
    entry[1] = Math.max(entry[1], minute);
    return undefined;
  }
  const index = bucket(minute);
  const before = windowPeaks(firsts, index, 1).nearby;
  if (entry) {
    const moved = bucket(entry[0]);
    resources[key] = [minute, entry[1]];
    if (moved === index) return undefined;
    addToBucket(firsts, moved, [-1]);
    const emptied = firsts.findIndex(([at, count]) => at === moved && count! <= 0);
    if (emptied >= 0) firsts.splice(emptied, 1);
  } else {
    const keys = Object.keys(resources);
    if (keys.length >= limits.maxResources) {
      // The least recently reached goes, as for devices: a user exploring pushes out their own past.
      let oldest = keys[0]!;
      for (const candidate of keys) if (resources[candidate]![1] < resources[oldest]![1]) oldest = candidate;
      delete resources[oldest];
    }
    resources[key] = [minute, minute];
  }
  addToBucket(firsts, index, [1]);
  trimBuckets(firsts);
  return { before, index };
}

/**
 * Adds an event's signals to the user's risk, each once by its id: a redelivered event, or its
 * signals judged again, add nothing. The risk at a time is every signal up to that time, each weighed
 * by its score halved every half-life since it was raised, combined as independent evidence.
 */
function applyRisk(record: UserRecord, op: RiskOp, limits: StateLimits): RiskView {
  const risk = (record.risk ??= []);
  const known = new Set(risk.map(([, , , id]) => id));
  const adding = op.signals.filter((signal) => !known.has(signal.id));
  for (const signal of adding) {
    let at = risk.length;
    while (at > 0 && compareContribution(risk[at - 1]!, op.atMs, signal.id) > 0) at--;
    risk.splice(at, 0, [op.atMs, signal.score, signal.type, signal.id]);
  }
  if (risk.length > limits.maxRiskContributions) risk.splice(0, risk.length - limits.maxRiskContributions);
  const contributions: RiskContribution[] = risk
    .filter(([atMs]) => atMs <= op.atMs)
    .map(([atMs, score, type, id]) => ({
      id,
      type,
      atMs,
      score,
      weight: round3(score * 2 ** (-(op.atMs - atMs) / limits.riskHalfLifeMs)),
    }))
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight || b.atMs - a.atMs || compareBytes(a.id, b.id));
  const doubt = contributions.reduce((product, c) => product * (1 - Math.min(1, c.weight)), 1);
  const floor = record.riskFloor && op.atMs < record.riskFloor[1] ? record.riskFloor[0] : 0;
  return {
    kind: 'risk',
    duplicate: adding.length === 0,
    firstView: false,
    risk: Math.max(floor, round3(1 - doubt)),
    ...(floor > 0 && { confirmedUntilMs: record.riskFloor![1] }),
    contributions,
  };
}

const compareContribution = (entry: [number, number, string, string], atMs: number, id: string) =>
  entry[0] - atMs || compareBytes(entry[3], id);

const round3 = (value: number) => Math.round(value * 1000) / 1000;

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
