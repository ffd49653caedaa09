import type {
  AccessOp,
  AccessView,
  AuthOp,
  AuthView,
  IpFailureOp,
  IpFailureView,
  Profile,
  Sighting,
  StateLimits,
  StateOp,
  StateStore,
  StateView,
} from '../store.ts';
import { SortedSet } from './sorted-set.ts';

interface UserState {
  firstSeenMs: number | undefined;
  logins: number;
  devices: Map<string, Sighting>;
  countries: Map<string, Sighting>;
  baselineRecords: number;
  baselineSamples: number;
  signIns: SortedSet;
  failures: SortedSet;
  records: SortedSet;
}

/**
 * The same semantics as the Redis scripts, in process: `replay` runs on it. Keys do not expire here;
 * the bounds on every set still apply, so memory grows with users, not with events.
 */
export class MemoryStateStore implements StateStore {
  readonly #users = new Map<string, UserState>();
  readonly #ipFailures = new Map<string, SortedSet>();
  /** First views of events not yet released, as the Redis scripts keep their replies. */
  readonly #kept = new Map<string, StateView>();
  readonly #limits: StateLimits;

  constructor(limits: StateLimits) {
    this.#limits = limits;
  }

  async apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return ops.map((op) => {
      const key = keptKey(op);
      const kept = this.#kept.get(key);
      if (kept) return kept.kind === 'ip-failure' ? kept : { ...kept, duplicate: true, firstView: true };
      const view = this.#record(op);
      const changed = view.kind === 'ip-failure' || !view.duplicate;
      const keep = op.kind === 'auth' ? op.outcome !== 'other' : op.kind === 'access' ? op.records > 0 : true;
      if (changed && keep) this.#kept.set(key, view);
      return view;
    });
  }

  async release(ops: readonly StateOp[]): Promise<void> {
    for (const op of ops) this.#kept.delete(keptKey(op));
  }

  async close(): Promise<void> {
    this.#users.clear();
    this.#ipFailures.clear();
    this.#kept.clear();
  }

  #record(op: StateOp): StateView {
    switch (op.kind) {
      case 'auth':
        return this.#recordAuth(op);
      case 'access':
        return this.#recordAccess(op);
      case 'ip-failure':
        return this.#recordIpFailure(op);
    }
  }

  #user(id: string): UserState {
    let user = this.#users.get(id);
    if (!user) {
      user = {
        firstSeenMs: undefined,
        logins: 0,
        devices: new Map(),
        countries: new Map(),
        baselineRecords: 0,
        baselineSamples: 0,
        signIns: new SortedSet(),
        failures: new SortedSet(),
        records: new SortedSet(),
      };
      this.#users.set(id, user);
    }
    return user;
  }

  #recordAuth(op: AuthOp): AuthView {
    const limits = this.#limits;
    const user = this.#user(op.user);
    const profile: Profile = { firstSeenMs: user.firstSeenMs, logins: user.logins };
    const base = { kind: 'auth', firstView: false, profile, knownCountries: [], knownDevices: 0 } as const;
    const failureCounts = () => {
      let loginFailures = 0;
      let mfaFailures = 0;
      for (const { member } of user.failures.range(op.atMs - limits.failureWindowMs, op.atMs, true)) {
        if (member.startsWith('l:')) loginFailures++;
        else mfaFailures++;
      }
      return { loginFailures, mfaFailures };
    };

    if (op.outcome === 'other') return { ...base, duplicate: false, loginFailures: 0, mfaFailures: 0 };

    if (op.outcome === 'login_failure' || op.outcome === 'mfa_failure') {
      const member = `${op.outcome === 'login_failure' ? 'l' : 'm'}:${op.eventKey}`;
      const duplicate = user.failures.score(member) !== undefined;
      if (!duplicate) {
        user.failures.add(op.atMs, member);
        user.failures.removeUpTo(op.atMs - 2 * limits.failureWindowMs);
        user.failures.keepHighest(limits.maxWindowEntries);
      }
      return { ...base, duplicate, ...failureCounts() };
    }

    const member = `${op.eventKey}|${op.place ?? ''}`;
    if (user.signIns.score(member) !== undefined) {
      return { ...base, duplicate: true, loginFailures: 0, mfaFailures: 0 };
    }

    let earlier: { atMs: number; place: string } | undefined;
    let later: { atMs: number; place: string } | undefined;
    if (op.place) {
      const located = (entries: { score: number; member: string }[]) => {
        const hit = entries.slice(0, limits.historySize).find((e) => !e.member.endsWith('|'));
        return hit && { atMs: hit.score, place: hit.member.slice(hit.member.indexOf('|') + 1) };
      };
      earlier = located(user.signIns.range(-Infinity, op.atMs).reverse());
      later = located(user.signIns.range(op.atMs, Infinity, true));
    }

    const device = op.device ? user.devices.get(op.device) : undefined;
    const country = op.country ? user.countries.get(op.country) : undefined;
    const deviceIsNew = op.device !== undefined && device === undefined;
    const knownDevices = deviceIsNew ? user.devices.size : 0;
    const knownCountries = op.country && !country ? [...user.countries.keys()].sort(compareBytes) : [];

    user.signIns.add(op.atMs, member);
    user.signIns.keepHighest(limits.historySize);
    user.firstSeenMs = user.firstSeenMs === undefined ? op.atMs : Math.min(user.firstSeenMs, op.atMs);
    if (op.outcome === 'login') user.logins++;
    if (op.device) {
      if (deviceIsNew && user.devices.size >= limits.maxDevices)
        user.devices.delete(oldestDevice(user.devices));
      user.devices.set(op.device, widen(device, op.atMs));
    }
    if (op.country) user.countries.set(op.country, widen(country, op.atMs));

    return {
      ...base,
      duplicate: false,
      ...(earlier && { earlier }),
      ...(later && { later }),
      ...(device && { device }),
      ...(country && { country }),
      knownCountries,
      knownDevices,
      ...failureCounts(),
    };
  }

  #recordAccess(op: AccessOp): AccessView {
    const limits = this.#limits;
    const user = this.#user(op.user);
    const device = op.device ? user.devices.get(op.device) : undefined;
    const country = op.country ? user.countries.get(op.country) : undefined;
    const view = {
      kind: 'access',
      firstView: false,
      profile: { firstSeenMs: user.firstSeenMs, logins: user.logins },
      baselineRecords: Math.floor(user.baselineRecords + 0.5),
      baselineSamples: user.baselineSamples,
      ...(device && { device }),
      ...(country && { country }),
    } as const;
    if (op.records === 0)
      return {
        ...view,
        duplicate: false,
        windowRecordsBefore: 0,
        windowRecords: 0,
        windowEvents: 0,
        windowPeakBefore: 0,
      };

    const member = `${op.eventKey}:${op.records}`;
    const duplicate = user.records.score(member) !== undefined;
    const recent = user.records
      .range(op.atMs - 2 * limits.bulkWindowMs, op.atMs, true)
      .filter((entry) => entry.member !== member)
      .map(({ score, member }) => ({
        atMs: score,
        records: Number(member.slice(member.lastIndexOf(':') + 1)),
      }));
    const { before, events, peak } = windowTotals(recent, op.atMs, limits.bulkWindowMs);
    const total = before + op.records;
    if (!duplicate) {
      user.records.add(op.atMs, member);
      user.records.removeUpTo(op.atMs - 2 * limits.bulkWindowMs);
      const n = Math.min(user.baselineSamples + 1, limits.baselineSamples);
      user.baselineRecords += (total - user.baselineRecords) / n;
      user.baselineSamples++;
    }
    return {
      ...view,
      duplicate,
      windowRecordsBefore: before,
      windowRecords: total,
      windowEvents: events + 1,
      windowPeakBefore: peak,
    };
  }

  #recordIpFailure(op: IpFailureOp): IpFailureView {
    const limits = this.#limits;
    let users = this.#ipFailures.get(op.ip);
    if (!users) this.#ipFailures.set(op.ip, (users = new SortedSet()));
    const since = op.atMs - limits.failureWindowMs;
    const previous = users.score(op.user);
    const counted = previous !== undefined && previous > since;
    if (previous === undefined || op.atMs > previous) users.add(op.atMs, op.user);
    users.removeUpTo(op.atMs - 2 * limits.failureWindowMs);
    users.keepHighest(limits.maxWindowEntries);
    const recent = users.range(since, Infinity, true);
    return {
      kind: 'ip-failure',
      usersBefore: counted ? recent.length : recent.length - 1,
      users: recent.length,
      sampleUsers: recent
        .reverse()
        .slice(0, limits.sampleUsers)
        .map((entry) => entry.member),
    };
  }
}

function keptKey(op: StateOp): string {
  return op.kind === 'ip-failure' ? `ip|${op.ip}|${op.user}|${op.eventKey}` : `u|${op.user}|${op.eventKey}`;
}

function widen(seen: Sighting | undefined, atMs: number): Sighting {
  return seen
    ? { firstMs: Math.min(seen.firstMs, atMs), lastMs: Math.max(seen.lastMs, atMs) }
    : { firstMs: atMs, lastMs: atMs };
}

function oldestDevice(devices: ReadonlyMap<string, Sighting>): string {
  let oldest: [string, number] | undefined;
  for (const [key, { lastMs }] of devices) if (!oldest || lastMs < oldest[1]) oldest = [key, lastMs];
  return oldest![0];
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Over entries oldest first: the records of the window ending at `atMs`, its events, and the highest
 * total of a window ending at one of those events (two pointers, one pass; as record-access-3.lua).
 */
function windowTotals(entries: readonly { atMs: number; records: number }[], atMs: number, windowMs: number) {
  let [before, events, peak, lo, hi, sum] = [0, 0, 0, 0, 0, 0];
  for (const entry of entries) {
    while (hi < entries.length && entries[hi]!.atMs <= entry.atMs) sum += entries[hi++]!.records;
    while (entries[lo]!.atMs <= entry.atMs - windowMs) sum -= entries[lo++]!.records;
    if (entry.atMs <= atMs - windowMs) continue;
    before += entry.records;
    events++;
    peak = Math.max(peak, sum);
  }
  return { before, events, peak };
}
