import type { Cluster, Redis } from 'ioredis';
import type {
  AccessOp,
  AccessView,
  AuthOp,
  AuthView,
  IpFailureOp,
  IpFailureView,
  Sighting,
  StateLimits,
  StateOp,
  StateStore,
  StateView,
} from '../store.ts';
import type { StateKeys } from './keys.ts';
import { defineScripts, type ScriptReply } from './scripts.ts';

/**
 * The only caller of the Lua scripts. `apply` issues every script call of a batch in one tick:
 * with auto-pipelining ioredis writes them as one pipeline per node, so a batch costs one round trip
 * (per cluster node), and calls for one user stay in order on one connection.
 */
export class RedisStateStore implements StateStore {
  readonly #client: Redis | Cluster;
  readonly #keys: StateKeys;
  readonly #limits: StateLimits;

  constructor(client: Redis | Cluster, keys: StateKeys, limits: StateLimits) {
    if (!client.options.enableAutoPipelining) throw new Error('RedisStateStore needs enableAutoPipelining');
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    defineScripts(client);
  }

  apply(ops: readonly StateOp[]): Promise<StateView[]> {
    return Promise.all(ops.map((op) => this.#call(op)));
  }

  async release(ops: readonly StateOp[]): Promise<void> {
    await Promise.all(
      ops.map((op) =>
        op.kind === 'ip-failure'
          ? this.#client.hdel(this.#keys.ipReplies(op.ip), `${op.user}|${op.eventKey}`)
          : this.#client.hdel(this.#keys.replies(op.user), op.eventKey),
      ),
    );
  }

  async close(): Promise<void> {
    await this.#client.quit();
  }

  #call(op: StateOp): Promise<StateView> {
    switch (op.kind) {
      case 'auth':
        return this.#recordAuth(op);
      case 'access':
        return this.#recordAccess(op);
      case 'ip-failure':
        return this.#recordIpFailure(op);
    }
  }

  async #recordAuth(op: AuthOp): Promise<AuthView> {
    const l = this.#limits;
    const reply = await this.#client.recordAuth(
      this.#keys.profile(op.user),
      this.#keys.signIns(op.user),
      this.#keys.failures(op.user),
      this.#keys.replies(op.user),
      op.eventKey,
      op.atMs,
      op.outcome,
      op.place ?? '',
      op.device ?? '',
      op.country ?? '',
      l.historySize,
      l.historyTtlMs,
      l.retentionMs,
      l.maxDevices,
      l.failureWindowMs,
      l.maxWindowEntries,
      l.replyTtlMs,
    );
    const [
      duplicate,
      first,
      logins,
      earlier,
      earlierAt,
      later,
      laterAt,
      device,
      country,
      countries,
      devices,
      lf,
      mf,
    ] = reply;
    const visit = (member: unknown, at: unknown) =>
      member ? { atMs: Number(at), place: String(member).slice(String(member).indexOf('|') + 1) } : undefined;
    const earlierVisit = visit(earlier, earlierAt);
    const laterVisit = visit(later, laterAt);
    const deviceSeen = sighting(device);
    const countrySeen = sighting(country);
    return {
      kind: 'auth',
      duplicate: duplicate !== 0,
      firstView: duplicate === 2,
      profile: profileOf(first, logins),
      ...(earlierVisit && { earlier: earlierVisit }),
      ...(laterVisit && { later: laterVisit }),
      ...(deviceSeen && { device: deviceSeen }),
      ...(countrySeen && { country: countrySeen }),
      knownCountries: countries ? String(countries).split(',') : [],
      knownDevices: Number(devices),
      loginFailures: Number(lf),
      mfaFailures: Number(mf),
    };
  }

  async #recordAccess(op: AccessOp): Promise<AccessView> {
    const l = this.#limits;
    const reply = await this.#client.recordAccess(
      this.#keys.profile(op.user),
      this.#keys.records(op.user),
      this.#keys.replies(op.user),
      op.eventKey,
      op.atMs,
      op.records,
      op.device ?? '',
      op.country ?? '',
      l.bulkWindowMs,
      l.baselineSamples,
      l.retentionMs,
      l.replyTtlMs,
    );
    const [duplicate, first, logins, before, total, events, baseline, samples, device, country, peak] = reply;
    const deviceSeen = sighting(device);
    const countrySeen = sighting(country);
    return {
      kind: 'access',
      duplicate: duplicate !== 0,
      firstView: duplicate === 2,
      profile: profileOf(first, logins),
      windowRecordsBefore: Number(before),
      windowRecords: Number(total),
      windowEvents: Number(events),
      // A reply kept by an earlier release has no peak: its window had not crossed either.
      windowPeakBefore: Number(peak ?? 0),
      baselineRecords: Number(baseline),
      baselineSamples: Number(samples),
      ...(deviceSeen && { device: deviceSeen }),
      ...(countrySeen && { country: countrySeen }),
    };
  }

  async #recordIpFailure(op: IpFailureOp): Promise<IpFailureView> {
    const l = this.#limits;
    const [before, users, ...sample]: ScriptReply = await this.#client.recordIpFailure(
      this.#keys.ipFailedUsers(op.ip),
      this.#keys.ipReplies(op.ip),
      op.user,
      op.atMs,
      l.failureWindowMs,
      l.sampleUsers,
      l.maxWindowEntries,
      op.eventKey,
      l.replyTtlMs,
    );
    return {
      kind: 'ip-failure',
      usersBefore: Number(before),
      users: Number(users),
      sampleUsers: sample.map(String),
    };
  }
}

function profileOf(first: unknown, logins: unknown) {
  const firstSeenMs = Number(first);
  return { firstSeenMs: firstSeenMs < 0 ? undefined : firstSeenMs, logins: Number(logins) };
}

function sighting(value: unknown): Sighting | undefined {
  const match = typeof value === 'string' ? /^(\d+):(\d+)$/.exec(value) : null;
  return match ? { firstMs: Number(match[1]), lastMs: Number(match[2]) } : undefined;
}
