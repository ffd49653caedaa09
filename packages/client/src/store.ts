/**
 * What an enforcer keeps: revocations and step-up demands, each until `untilMs`. A user-wide entry
 * (no `sessionId`) reaches the sessions that began before `atMs`, so a user who signs in afresh after a
 * revocation is let in, and a session whose start is unknown is treated as older (refused while kept).
 */
export interface Enforcement {
  readonly kind: 'revoke' | 'step_up';
  readonly userId: string;
  readonly sessionId?: string;
  readonly atMs: number;
  readonly untilMs: number;
}

/**
 * Where enforcements live. Lookups are synchronous and O(1): they read memory and never wait on the
 * network, so a request is never held up, or let through, by a slow store. Writes may go further.
 */
export interface EnforcementStore {
  apply(enforcement: Enforcement): Promise<void>;
  /** The session passed fresh multi-factor authentication at `atMs`: older step-up demands are met. */
  satisfyStepUp(userId: string, sessionId: string, atMs: number, untilMs: number): Promise<void>;
  isSessionRevoked(sessionId: string, userId?: string, sessionStartedAtMs?: number): boolean;
  stepUpRequired(userId: string, sessionId: string, sessionStartedAtMs?: number): boolean;
  start?(): Promise<void>;
  close?(): Promise<void>;
}

interface Kept {
  atMs: number;
  untilMs: number;
}

const pairKey = (userId: string, sessionId: string) => `${userId}\u0000${sessionId}`;

/** Entries in maps keyed by session, by user and by (user, session); swept once a minute. */
export class MemoryEnforcementStore implements EnforcementStore {
  readonly #now: () => number;
  readonly #revokedSessions = new Map<string, Kept>();
  readonly #revokedUsers = new Map<string, Kept>();
  readonly #stepUpSessions = new Map<string, Kept>();
  readonly #stepUpUsers = new Map<string, Kept>();
  readonly #satisfied = new Map<string, Kept>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { now?: () => number; sweepIntervalMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  async apply(enforcement: Enforcement): Promise<void> {
    this.applyNow(enforcement);
  }

  /** The synchronous write, which the Redis store's mirror uses too. */
  applyNow({ kind, userId, sessionId, atMs, untilMs }: Enforcement): void {
    const map =
      kind === 'revoke'
        ? sessionId === undefined
          ? this.#revokedUsers
          : this.#revokedSessions
        : sessionId === undefined
          ? this.#stepUpUsers
          : this.#stepUpSessions;
    const key =
      kind === 'step_up' && sessionId !== undefined ? pairKey(userId, sessionId) : (sessionId ?? userId);
    keepLatest(map, key, { atMs, untilMs });
  }

  async satisfyStepUp(userId: string, sessionId: string, atMs: number, untilMs: number): Promise<void> {
    this.satisfyNow(userId, sessionId, atMs, untilMs);
  }

  satisfyNow(userId: string, sessionId: string, atMs: number, untilMs: number): void {
    keepLatest(this.#satisfied, pairKey(userId, sessionId), { atMs, untilMs });
  }

  isSessionRevoked(sessionId: string, userId?: string, sessionStartedAtMs?: number): boolean {
    if (this.#live(this.#revokedSessions, sessionId)) return true;
    if (userId === undefined) return false;
    const user = this.#live(this.#revokedUsers, userId);
    return user !== undefined && !(sessionStartedAtMs !== undefined && sessionStartedAtMs > user.atMs);
  }

  stepUpRequired(userId: string, sessionId: string, sessionStartedAtMs?: number): boolean {
    const key = pairKey(userId, sessionId);
    const user = this.#live(this.#stepUpUsers, userId);
    const reachesSession = user && !(sessionStartedAtMs !== undefined && sessionStartedAtMs > user.atMs);
    const demandedAtMs = Math.max(
      this.#live(this.#stepUpSessions, key)?.atMs ?? -Infinity,
      reachesSession ? user.atMs : -Infinity,
    );
    if (demandedAtMs === -Infinity) return false;
    const met = this.#live(this.#satisfied, key);
    return !(met && met.atMs >= demandedAtMs);
  }

  sweep(): void {
    const now = this.#now();
    for (const map of this.#maps()) for (const [key, kept] of map) if (kept.untilMs <= now) map.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #maps() {
    return [
      this.#revokedSessions,
      this.#revokedUsers,
      this.#stepUpSessions,
      this.#stepUpUsers,
      this.#satisfied,
    ];
  }

  #live(map: Map<string, Kept>, key: string): Kept | undefined {
    const kept = map.get(key);
    if (!kept) return undefined;
    if (kept.untilMs > this.#now()) return kept;
    map.delete(key);
    return undefined;
  }
}

/** Of two orders about one subject, the later decides; it is kept as long as either would be. */
function keepLatest(map: Map<string, Kept>, key: string, next: Kept) {
  const current = map.get(key);
  map.set(
    key,
    current
      ? { atMs: Math.max(current.atMs, next.atMs), untilMs: Math.max(current.untilMs, next.untilMs) }
      : next,
  );
}
