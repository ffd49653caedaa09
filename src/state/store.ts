/**
 * Per-user behaviour, kept in event time. One operation per event; a store applies a batch of
 * operations in order and returns one view per operation. Every operation is idempotent: an event
 * seen before comes back with `duplicate: true` and changes nothing. Until the caller releases it,
 * such a duplicate carries the view its first application returned, so a batch that failed after
 * `apply` and is retried raises exactly the signals it would have raised.
 */

export type AuthOutcome = 'login' | 'success' | 'login_failure' | 'mfa_failure' | 'other';

/** Where an operation's event was read (`topic/partition@offset`, a file's line). */
interface Sourced {
  /**
   * A kept first view is served again only to the same message read again (a batch redone after a
   * failure); a copy of the event sent twice by its emitter is a plain duplicate and raises nothing.
   */
  readonly origin?: string;
}

export interface AuthOp extends Sourced {
  readonly kind: 'auth';
  readonly user: string;
  /** Short digest of the event's content: its identity in state. */
  readonly eventKey: string;
  readonly atMs: number;
  /** `login` counts towards the learning period; `success` (MFA, token refresh) only places the user. */
  readonly outcome: AuthOutcome;
  /** Encoded place for travel; absent when the address cannot be located or is trusted. */
  readonly place?: string;
  readonly device?: string;
  readonly country?: string;
}

export interface AccessOp extends Sourced {
  readonly kind: 'access';
  readonly user: string;
  readonly eventKey: string;
  readonly atMs: number;
  /** Records that count towards bulk download (0 for actions that do not). */
  readonly records: number;
  /** Key of the normalised resource (`resourceKey`), when first accesses are watched. */
  readonly resource?: string;
  readonly device?: string;
  readonly country?: string;
}

/** One event's signals, to add to the user's risk; its key is the event's with `/risk`. */
export interface RiskOp extends Sourced {
  readonly kind: 'risk';
  readonly user: string;
  readonly eventKey: string;
  readonly atMs: number;
  /** Each signal's id and its weighted score. */
  readonly signals: readonly { readonly id: string; readonly type: string; readonly score: number }[];
}

export interface IpFailureOp {
  readonly kind: 'ip-failure';
  readonly ip: string;
  readonly user: string;
  readonly eventKey: string;
  readonly atMs: number;
}

/** An analyst's verdict on the user, as state needs it. */
export interface FeedbackOp extends Sourced {
  readonly kind: 'feedback';
  readonly user: string;
  readonly eventKey: string;
  /** When the verdict was given. */
  readonly atMs: number;
  readonly verdict: 'benign' | 'confirmed';
  /** benign: becomes known; confirmed: marked compromised. A device key, as events' devices are. */
  readonly device?: string;
  readonly country?: string;
  readonly allow?: AllowEntry;
}

/** An allowlist entry: what it quiets, where, whose, why and until when. */
export interface AllowEntry {
  readonly id: string;
  /** Signal types it quiets; empty: all. */
  readonly signals: readonly string[];
  /** A CIDR: only events from it; absent: any address. */
  readonly network?: string;
  readonly owner: string;
  readonly reason: string;
  readonly expiresMs: number;
}

export interface FeedbackView {
  readonly kind: 'feedback';
  readonly duplicate: boolean;
  readonly firstView: boolean;
  /** What the verdict changed: `device`, `country`, `allowlist`, `compromised`, `risk`. */
  readonly changed: readonly string[];
}

export type UserOp = AuthOp | AccessOp | RiskOp | FeedbackOp;
export type StateOp = UserOp | IpFailureOp;

/** First and last time (event time, ms) a device or country was seen for the user. */
export interface Sighting {
  readonly firstMs: number;
  readonly lastMs: number;
}

export interface Profile {
  /** Earliest event time of the user's history; undefined for a user never seen. */
  readonly firstSeenMs?: number;
  readonly logins: number;
}

export interface PlaceVisit {
  readonly atMs: number;
  readonly place: string;
}

export interface AuthView {
  readonly kind: 'auth';
  readonly duplicate: boolean;
  /** A duplicate whose view is the one first returned: detection may run on it again. */
  readonly firstView: boolean;
  /** As it was before this event. */
  readonly profile: Profile;
  /** The nearest located sign-ins before (or at) and after this one, in event time. */
  readonly earlier?: PlaceVisit;
  readonly later?: PlaceVisit;
  readonly device?: Sighting;
  readonly country?: Sighting;
  /** Countries known before this event; filled only when this event's country was not among them. */
  readonly knownCountries: readonly string[];
  /** Devices known before this event; filled only when this event's device was not among them. */
  readonly knownDevices: number;
  /** For a failure: the most in a window holding it, and the most near it before it came; else 0. */
  readonly loginFailures: number;
  readonly mfaFailures: number;
  readonly loginFailuresBefore: number;
  readonly mfaFailuresBefore: number;
  /** Allowlist entries of the user still acting at this event's time; absent when none. */
  readonly allowlist?: readonly AllowEntry[];
  /** The device was confirmed compromised by an analyst before this event. */
  readonly compromisedSinceMs?: number;
}

export interface AccessView {
  readonly kind: 'access';
  readonly duplicate: boolean;
  readonly firstView: boolean;
  readonly profile: Profile;
  /** The heaviest window holding this event: its records without this event, with it, and its events. */
  readonly windowRecordsBefore: number;
  readonly windowRecords: number;
  readonly windowEvents: number;
  /** The heaviest window near this event before it came: was this stretch already over a limit? */
  readonly windowPeakBefore: number;
  /** Mean of the user's earlier window totals, and how many totals it is built from. */
  readonly baselineRecords: number;
  readonly baselineSamples: number;
  readonly device?: Sighting;
  readonly country?: Sighting;
  /** The busiest request-rate window holding this event (all actions), and the busiest near it before. */
  readonly windowRequests: number;
  readonly requestPeakBefore: number;
  /**
   * The user's usual hourly requests: a percentile, and the median, of their active hours up to two
   * days before this event (so events of one burst, in any order, share one baseline); and how many
   * hours those are.
   */
  readonly usualRequestsPerHour: number;
  readonly medianRequestsPerHour: number;
  readonly baselineHours: number;
  /** Earliest access of the user's history (ms); absent before their first. */
  readonly accessSinceMs?: number;
  /** Resources the user was known to reach before this event. */
  readonly knownResources: number;
  /**
   * For a first access to a resource: first accesses in the busiest window holding it, and the most in
   * a window near it before it came; else 0.
   */
  readonly newResources: number;
  readonly newResourcesBefore: number;
  readonly allowlist?: readonly AllowEntry[];
}

/** A signal that adds to a user's risk, as it weighs at the event's time. */
export interface RiskContribution {
  readonly id: string;
  readonly type: string;
  readonly atMs: number;
  readonly score: number;
  /** Its score after decay, at the time of the event judged. */
  readonly weight: number;
}

export interface RiskView {
  readonly kind: 'risk';
  readonly duplicate: boolean;
  readonly firstView: boolean;
  /** The user's risk at the event's time: every earlier signal (and this event's), decayed, combined. */
  readonly risk: number;
  /** A confirmed takeover holds the risk high until then (ms). */
  readonly confirmedUntilMs?: number;
  /** The signals that still weigh, heaviest first. */
  readonly contributions: readonly RiskContribution[];
}

export interface IpFailureView {
  readonly kind: 'ip-failure';
  /** Distinct users in the busiest window near this failure before it, and holding it after it. */
  readonly usersBefore: number;
  readonly users: number;
  readonly sampleUsers: readonly string[];
}

export type StateView = AuthView | AccessView | RiskView | FeedbackView | IpFailureView;

export interface StateLimits {
  /** Sign-ins kept per user for travel (the nearest ones matter). */
  readonly historySize: number;
  readonly historyTtlMs: number;
  /** How long a device or country stays known, and so the profile lives. */
  readonly retentionMs: number;
  readonly maxDevices: number;
  readonly maxCountries: number;
  readonly bulkWindowMs: number;
  readonly failureWindowMs: number;
  readonly rateWindowMs: number;
  /** Which percentile of a user's active hours is their usual rate. */
  readonly ratePercentile: number;
  readonly resourceWindowMs: number;
  readonly maxResources: number;
  readonly riskHalfLifeMs: number;
  readonly maxRiskContributions: number;
  /** Baseline is a running mean over at most this many window totals. */
  readonly baselineSamples: number;
  /** Failure sets and spray sets never grow past this. */
  readonly maxWindowEntries: number;
  readonly sampleUsers: number;
  /** How long a first view is kept for a retry when nobody releases it (a process that died). */
  readonly replyTtlMs: number;
  /** How long an address's failures are kept after its last one (wall clock): partitions may lag. */
  readonly ipFailureTtlMs: number;
}

export interface StateStore {
  /** Views in the order of `ops`; each view has the kind of its operation. */
  apply(ops: readonly StateOp[]): Promise<StateView[]>;
  /** The batch's effects are durable downstream: its first views need not be kept any longer. */
  release(ops: readonly StateOp[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The state of `vigil run`: held in the processor that owns the users' partitions, durable at
 * checkpoints. Inputs are named `topic/partition`; an offset is the one after the last event counted.
 */
export interface CheckpointedStore extends StateStore {
  /**
   * Saves the users changed since the last checkpoint as they are now, which must be as of `offsets`
   * (taken at once; the saving goes on after), then `offsets` as the inputs' restore points.
   */
  checkpoint(offsets: ReadonlyMap<string, number>): Promise<void>;
  /** Where each input's last complete checkpoint is; an input never checkpointed is absent. */
  restorePoints(inputs: readonly string[]): Promise<Map<string, number>>;
  /** Drops every user held in memory: what was not saved comes back by replaying from the restore points. */
  forget(): void;
  /** Memory holds more users than it should, and only a checkpoint lets the changed ones go. */
  readonly wantsCheckpoint: boolean;
}
