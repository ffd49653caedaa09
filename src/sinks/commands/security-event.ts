import type { DecisionRecord } from '../../pipeline/engine.ts';
import { securityEventSchema, type SecurityEventClaims } from './schema.ts';
import { JWS_REJECTIONS, signJws, verifyJws, type SigningKey } from './signing.ts';

/** OpenID CAEP event types (Shared Signals Framework). */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/**
 * For step-up: the session's assurance fell from AAL2 to AAL1 (NIST SP 800-63B), so a receiver
 * demands fresh multi-factor authentication before it trusts the session again.
 */
export const ASSURANCE_LEVEL_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change';

export const SET_TYPE = 'secevent+jwt';

export interface CommandSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
}

/**
 * The subject, per how far the decision reaches. CAEP 1.0 §3.1 applies an event with a complex subject
 * to every session matching all its members (SSF 1.0 §3.3): `user` and `session` together name that
 * one session, `user` alone every session of the user. Revoking sessions ends all of the user's, since
 * a taken-over account has more than the session that showed it; a step-up asks the session that
 * showed the risk for fresh authentication, or all of the user's when the event named none.
 */
function subjectOf(decision: DecisionRecord) {
  const user = { format: 'opaque', id: decision.user_id } as const;
  const endsEverySession = decision.action === 'revoke_sessions';
  return !endsEverySession && decision.session_id
    ? { format: 'complex', user, session: { format: 'opaque', id: decision.session_id } }
    : { format: 'complex', user };
}

/**
 * The claims of a Security Event Token (RFC 8417) that orders a decision, made at `decidedAtMs`, as
 * SSF 1.0 profiles it: no `exp` (§4.1.7: receivers judge freshness from `iat` by their own policy),
 * `txn` (§4.1.9) the triggering event's id, and `jti` the decision's id.
 */
export function securityEventClaims(
  decision: DecisionRecord,
  settings: CommandSettings,
  decidedAtMs: number,
) {
  const iat = Math.floor(decidedAtMs / 1000);
  const common = {
    // CAEP 1.0 §3.1.1 and §3.4.1: the time the revocation or the change of assurance occurred, which is
    // the decision; the commands of a batch are signed as it is decided.
    event_timestamp: iat,
    initiating_entity: 'policy',
    reason_admin: { en: decision.signals.map((signal) => `${signal.type}: ${signal.summary}`).join('; ') },
    // Evidence for the receiving service's own logs: what Vigil saw, not only what it concluded.
    vigil_decision: {
      action: decision.action,
      risk: decision.risk,
      ...(decision.rule && { rule: decision.rule }),
      event_id: decision.event_id,
      event_occurred_at: decision.occurred_at,
      ...(decision.session_id && { event_session_id: decision.session_id }),
      signals: decision.signals.map(({ id, type, severity, score, summary, evidence }) => ({
        id,
        type,
        severity,
        score,
        summary,
        evidence,
      })),
    },
  };
  const event =
    decision.action === 'revoke_sessions'
      ? { [SESSION_REVOKED]: common }
      : {
          [ASSURANCE_LEVEL_CHANGE]: {
            ...common,
            namespace: 'NIST-AAL',
            previous_level: 'nist-aal2',
            current_level: 'nist-aal1',
            change_direction: 'decrease',
          },
        };
  return {
    iss: settings.issuer,
    aud: settings.audience.length === 1 ? settings.audience[0] : [...settings.audience],
    iat,
    jti: decision.id,
    txn: decision.event_id,
    sub_id: subjectOf(decision),
    events: event,
  };
}

export function signSecurityEvent(
  decision: DecisionRecord,
  settings: CommandSettings,
  key: SigningKey,
  decidedAtMs = Date.now(),
) {
  return signJws(securityEventClaims(decision, settings, decidedAtMs), key, SET_TYPE);
}

/**
 * Why a command was refused: the JWS reasons, then `wrong_type` (not a Security Event Token),
 * `invalid_claims` (not the published shape, or a `sub` or `exp`, which SSF 1.0 §4.1 forbids in SETs),
 * `wrong_issuer`, `wrong_audience`, `stale` (issued longer ago than the receiver's `maxAgeSeconds`),
 * and `issued_in_future` (an `iat` beyond the clock skew: a clock far off, or a token minted ahead).
 */
export const SECURITY_EVENT_REJECTIONS = [
  ...JWS_REJECTIONS,
  'wrong_type',
  'invalid_claims',
  'wrong_issuer',
  'wrong_audience',
  'stale',
  'issued_in_future',
] as const;
export type SecurityEventRejection = (typeof SECURITY_EVENT_REJECTIONS)[number];

export type SecurityEventCheck =
  { ok: true; claims: SecurityEventClaims } | { ok: false; code: SecurityEventRejection; reason: string };

export interface SecurityEventExpectations {
  readonly issuer: string;
  readonly audience: string;
  readonly nowMs?: number;
  /** How far ahead of this clock an `iat` may be; 300 s by default. */
  readonly clockSkewSeconds?: number;
  /**
   * The receiver's own freshness policy: refuse a token issued longer ago than this. None by default:
   * a SET has no `exp`, and a revocation read late is still a revocation.
   */
  readonly maxAgeSeconds?: number;
}

const DEFAULT_CLOCK_SKEW_SECONDS = 300;

/** RFC 7515 §4.1.9: a media type, compared without case, whose `application/` may be left out. */
const isSetType = (typ: unknown) =>
  typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === SET_TYPE;

const reject = (code: SecurityEventRejection, reason: string): SecurityEventCheck => ({
  ok: false,
  code,
  reason,
});

/**
 * For services that enforce Vigil's commands: accepts a token only if Vigil's key signed it, it is a
 * SET of the published shape (schemas/command.v1.json) for this audience from the expected issuer,
 * and, when `maxAgeSeconds` is given, it is not older than that. Token and JWKS come from outside and
 * may be anything: a bad one is refused with a reason (and a code to branch on), never thrown.
 */
export function verifySecurityEvent(
  token: unknown,
  jwks: unknown,
  expected: SecurityEventExpectations,
): SecurityEventCheck {
  const checked = verifyJws(token, jwks);
  if (!checked.ok) return checked;
  if (!isSetType(checked.header.typ))
    return reject('wrong_type', `typ is ${String(JSON.stringify(checked.header.typ))}, not ${SET_TYPE}`);
  // SSF 1.0 §4.1.3: a JWT with either claim is some other kind of JWT, whatever else it holds.
  const forbidden = ['sub', 'exp'].filter((claim) => claim in checked.payload);
  if (forbidden.length)
    return reject('invalid_claims', `not a Security Event Token: it has ${forbidden.join(' and ')}`);
  const parsed = securityEventSchema.safeParse(checked.payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return reject('invalid_claims', `not a Vigil command: ${problems.join('; ')}`);
  }
  const claims = parsed.data;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== expected.issuer)
    return reject('wrong_issuer', `issuer ${claims.iss} is not ${expected.issuer}`);
  if (!audiences.includes(expected.audience))
    return reject('wrong_audience', `not addressed to ${expected.audience}`);
  const nowSeconds = Math.floor((expected.nowMs ?? Date.now()) / 1000);
  const skewSeconds = expected.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  // Written as "not within" so that a NaN from a bad clock or option refuses rather than accepts.
  if (expected.maxAgeSeconds !== undefined && !(claims.iat >= nowSeconds - expected.maxAgeSeconds))
    return reject('stale', `issued ${nowSeconds - claims.iat} s ago, more than ${expected.maxAgeSeconds} s`);
  if (!(claims.iat <= nowSeconds + skewSeconds))
    return reject('issued_in_future', `issued ${claims.iat - nowSeconds} s in the future`);
  return { ok: true, claims };
}
