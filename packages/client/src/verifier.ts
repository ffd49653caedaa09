import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { commandOf, setClaimsSchema, type Command } from './commands.ts';
import { VigilClientError } from './errors.ts';

/**
 * Why a Security Event Token was refused, as data: `malformed` (not a compact JWS of JSON),
 * `unsupported` (an algorithm other than Ed25519 and RS256, or a critical extension), `unknown_key`
 * (no key of its `kid`, even after fetching the JWKS again), `bad_signature` (forged or altered),
 * `wrong_type` (not `secevent+jwt`), `invalid_claims` (not a SET: a `sub` or `exp`, or members
 * missing), `unsupported_event` (a well-formed SET of an event this receiver does not enforce),
 * `wrong_issuer`, `wrong_audience`, `stale` (issued longer ago than the receiver keeps commands),
 * `issued_in_future` (beyond the clock skew), `replayed` (a `jti` already received).
 */
export const SET_REJECTIONS = [
  'malformed',
  'unsupported',
  'unknown_key',
  'bad_signature',
  'wrong_type',
  'invalid_claims',
  'unsupported_event',
  'wrong_issuer',
  'wrong_audience',
  'stale',
  'issued_in_future',
  'replayed',
] as const;
export type SetRejection = (typeof SET_REJECTIONS)[number];

export type SetCheck = { ok: true; command: Command } | { ok: false; code: SetRejection; reason: string };

export interface VerifierOptions {
  /** The transmitter's Issuer, exactly as in `iss`. */
  readonly issuer: string;
  /** This service's audience, which must be among `aud`. */
  readonly audience: string;
  /** Where the keys are: Vigil's `/.well-known/jwks.json`. Or a fixed `jwks`. */
  readonly jwksUrl?: string | URL;
  readonly jwks?: JSONWebKeySet;
  /** A token issued longer ago than this is stale: its command would already be forgotten. */
  readonly keepSeconds: number;
  readonly clockSkewSeconds?: number;
  /** Least time between two fetches of the JWKS for an unknown `kid`; 30 s by default. */
  readonly jwksCooldownMs?: number;
  /** Keys are fetched again after this long even if every `kid` is known; 10 min by default. */
  readonly jwksMaxAgeMs?: number;
  readonly now?: () => number;
}

/** The algorithms Vigil signs with; RFC 9864 names Ed25519 on its own. */
const ALGORITHMS = ['Ed25519', 'RS256'];

/** jose's error codes, mapped to ours; anything else means the keys could not be read. */
function rejectionOf(error: unknown): { code: SetRejection; reason: string } | undefined {
  const { code, claim, message } = error as { code?: string; claim?: string; message?: string };
  const reason = message ?? String(error);
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { code: 'bad_signature', reason };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { code: 'unknown_key', reason };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { code: 'unsupported', reason };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return { code: 'malformed', reason };
    case 'ERR_JWT_EXPIRED':
      return { code: 'invalid_claims', reason: 'not a Security Event Token: it has exp' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'iss') return { code: 'wrong_issuer', reason };
      if (claim === 'aud') return { code: 'wrong_audience', reason };
      if (claim === 'typ') return { code: 'wrong_type', reason };
      return { code: 'invalid_claims', reason };
    default:
      return undefined;
  }
}

/**
 * Verifies SETs with jose against the transmitter's JWKS: fetched once, cached, fetched again when a
 * token names a `kid` it does not hold (a key rotation), at most once per cooldown, so a flood of
 * tokens with made-up key ids cannot turn into a flood of requests to the transmitter.
 */
export function createSetVerifier(options: VerifierOptions) {
  const now = options.now ?? Date.now;
  const skewSeconds = options.clockSkewSeconds ?? 300;
  let keys: JWTVerifyGetKey;
  if (options.jwks) keys = createLocalJWKSet(options.jwks);
  else if (options.jwksUrl)
    keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
    });
  else throw new TypeError('a verifier needs jwksUrl or jwks');

  /** Throws `jwks_unavailable` when the keys cannot be read: such a token is neither good nor bad yet. */
  return async function verify(token: string): Promise<SetCheck> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'secevent+jwt',
        algorithms: ALGORITHMS,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      const rejection = rejectionOf(error);
      if (rejection) return { ok: false, ...rejection };
      throw new VigilClientError('jwks_unavailable', `cannot read the JWKS: ${String(error)}`, {
        cause: error,
      });
    }
    // SSF 1.0 §4.1.3: a JWT with `sub` or `exp` is some other kind of JWT, whatever else it holds.
    const forbidden = ['sub', 'exp'].filter((claim) => claim in payload);
    if (forbidden.length)
      return {
        ok: false,
        code: 'invalid_claims',
        reason: `not a Security Event Token: it has ${forbidden.join(' and ')}`,
      };
    const parsed = setClaimsSchema.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      return { ok: false, code: 'invalid_claims', reason: problems.slice(0, 5).join('; ') };
    }
    const nowSeconds = Math.floor(now() / 1000);
    const { iat } = parsed.data;
    // Written as "not within" so a NaN from a bad clock or option refuses rather than accepts.
    if (!(iat >= nowSeconds - options.keepSeconds))
      return {
        ok: false,
        code: 'stale',
        reason: `issued ${nowSeconds - iat} s ago, beyond the ${options.keepSeconds} s kept`,
      };
    if (!(iat <= nowSeconds + skewSeconds))
      return { ok: false, code: 'issued_in_future', reason: `issued ${iat - nowSeconds} s in the future` };
    const command = commandOf(parsed.data);
    if ('reason' in command) return { ok: false, code: 'unsupported_event', reason: command.reason };
    return { ok: true, command };
  };
}
