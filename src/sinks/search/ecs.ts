import type { Ecs } from '@elastic/ecs';
import type { Action } from '../../decide/policy.ts';
import type { Severity } from '../../detect/signal.ts';
import type { AccessAction, AuthType } from '../../events/index.ts';

/**
 * The Elastic Common Schema version Vigil's documents and templates follow. The field definitions
 * and types come from the `@elastic/ecs` package of the same version; a test keeps the two equal.
 */
export const ECS_VERSION = '9.4.0';

/** What ECS has no name for: Vigil's own fields, mapped under `vigil.*` in every template. */
export interface VigilFields {
  /** The emitter's `event_id` of the event the document is, or was raised by (`event.id` is the document's own). */
  readonly event_id: string;
  readonly session_id?: string;
  readonly network?: string;
  readonly device?: string;
  readonly geo_accuracy_km?: number;
  readonly geo_source?: string;
  readonly resource?: string;
  readonly records?: number;
  readonly bytes?: number;
  readonly signal?: {
    readonly id: string;
    readonly type: string;
    readonly severity: Severity;
    readonly score: number;
  };
  readonly decision?: {
    readonly id: string;
    readonly action: Action;
    readonly risk: number;
    readonly rule?: string;
    /** The user's risk built up over time, and the signals it is made of. */
    readonly accumulated_risk?: number;
    /** The types of the signals it is made of, heaviest first. */
    readonly contributing_signals?: readonly string[];
  };
  readonly signals?: readonly string[];
  /** An analyst's verdict: on its own document, and copied onto the decision it judges. */
  readonly verdict?: VerdictFields;
  /** An allowlist entry a benign verdict created. */
  readonly allowlist?: {
    readonly id: string;
    readonly scope: 'user' | 'network' | 'group';
    /** The signals it quiets; empty: all. */
    readonly signals: readonly string[];
    readonly network?: string;
    readonly group?: string;
    readonly owner: string;
    readonly reason: string;
    readonly expires_at: string;
  };
  readonly evidence?: Record<string, unknown>;
}

/** A case's status as Kibana shows it: who judged the decision, how, why and when. */
export interface VerdictFields {
  readonly id: string;
  readonly status: 'confirmed' | 'benign';
  readonly analyst: string;
  readonly reason: string;
  readonly at: string;
  readonly decision_id: string;
}

/** A document's body: ECS fields, typed by the official definitions, and Vigil's own beside them. */
export type DocumentBody = Ecs & { readonly vigil: VigilFields };

/** Elastic's severity scale for alerts, so Kibana orders Vigil's as it does its own. */
export const SEVERITY_SCORES: Readonly<Record<Severity, number>> = {
  low: 21,
  medium: 47,
  high: 73,
  critical: 99,
};

/**
 * `event.type` of a sign-in step. ECS allows `start`, `end` and `info` under `authentication`: a
 * login (successful or not) is an attempt to start a session, a logout ends one, and MFA answers and
 * token refreshes happen inside a session that already exists.
 */
export const AUTH_EVENT_TYPES: Readonly<Record<AuthType, 'start' | 'end' | 'info'>> = {
  login_success: 'start',
  login_failure: 'start',
  mfa_success: 'info',
  mfa_failure: 'info',
  token_refresh: 'info',
  logout: 'end',
};

/**
 * Access events are reads and changes of an application's records (`resource`, `records`), not of
 * files on a filesystem (`file`), web server requests (`web`) or system API calls (`api`). ECS's
 * `database` category is defined as "a data storage and retrieval system … not limited to relational
 * database systems", to analyse "accesses and changes": that is what these are. Its allowed types are
 * `access`, `change`, `info` and `error`, so a deletion is a `change` (its `event.action` says which).
 */
export const ACCESS_CATEGORY = 'database';
export const ACCESS_EVENT_TYPES: Readonly<Record<AccessAction, 'access' | 'change'>> = {
  read: 'access',
  export: 'access',
  download: 'access',
  write: 'change',
  delete: 'change',
};

/**
 * Signals and decisions are a detection system's alerts (`event.kind: alert`, which Kibana Security's
 * External Alerts view and its promotion rule read), categorised as intrusion detection does: a signal
 * informs; a decision allows the session or holds it (a step-up or a revocation is a disposition that
 * the session may not go on as it is, ECS's `denied`).
 */
export const ALERT_CATEGORY = 'intrusion_detection';
export const DECISION_EVENT_TYPES: Readonly<Record<Action, 'allowed' | 'denied'>> = {
  allow: 'allowed',
  step_up: 'denied',
  revoke_sessions: 'denied',
};
