import { signSecurityEvent } from '../../src/sinks/commands/security-event.ts';
import {
  generateSigningKey,
  publicJwks,
  signJws,
  type SigningKey,
} from '../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../sinks/fixtures.ts';
import type { DecisionRecord } from '../../src/pipeline/engine.ts';

export const ISSUER = 'https://vigil.example.com';
export const AUDIENCE = 'zero-trust-services';
/** Vigil decided at 09:45:01 on the São Paulo sign-in of 09:45:00. */
export const DECIDED_MS = Date.parse('2026-03-19T09:45:01Z');

export const vigilKey = generateSigningKey('vigil-ed', 'Ed25519');
export const jwks = publicJwks(vigilKey);

export const revocation = (overrides: Partial<DecisionRecord> = {}) =>
  decisionOf({ action: 'revoke_sessions', risk: 0.94, signals: [travelSignal], ...overrides });
export const stepUp = (overrides: Partial<DecisionRecord> = {}) =>
  decisionOf({ action: 'step_up', risk: 0.7, signals: [travelSignal], ...overrides });

/** A command as Vigil signs it. */
export function command(
  decision: DecisionRecord,
  {
    key = vigilKey,
    audience = AUDIENCE,
    decidedAtMs = DECIDED_MS,
  }: { key?: SigningKey; audience?: string; decidedAtMs?: number } = {},
) {
  return signSecurityEvent(decision, { issuer: ISSUER, audience: [audience] }, key, decidedAtMs);
}

/** Signs any claims with any key, as an attacker with a key of their own would. */
export const signClaims = (claims: object, key: SigningKey = vigilKey) =>
  signJws(claims, key, 'secevent+jwt');
