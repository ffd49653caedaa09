import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ASSURANCE_LEVEL_CHANGE,
  SESSION_REVOKED,
  securityEventClaims,
  signSecurityEvent,
  verifySecurityEvent,
} from '../../../src/sinks/commands/security-event.ts';
import { generateSigningKey, publicJwks } from '../../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../fixtures.ts';

const key = generateSigningKey('k1');
const jwks = publicJwks(key);
const settings = { issuer: 'vigil', audience: ['svc'], ttlSeconds: 3600 };
const NOW = Date.parse('2026-03-19T09:45:01Z');
const expected = { issuer: 'vigil', audience: 'svc', nowMs: NOW };

const decision = decisionOf({
  action: 'revoke_sessions',
  risk: 0.94,
  rule: 'near-certain takeover',
  signals: [travelSignal],
});

test('a revocation is a CAEP session-revoked SET for the user and session, with the evidence', () => {
  const claims = securityEventClaims(decision, settings, NOW);
  assert.deepEqual(
    { ...claims, events: Object.keys(claims.events) },
    {
      iss: 'vigil',
      aud: 'svc',
      iat: NOW / 1000,
      exp: NOW / 1000 + 3600,
      jti: 'd-123',
      sub_id: {
        format: 'complex',
        user: { format: 'opaque', id: 'dave' },
        session: { format: 'opaque', id: 's-1' },
      },
      events: [SESSION_REVOKED],
    },
  );
  const event = Object.values(claims.events)[0] as {
    initiating_entity: string;
    reason_admin: { en: string };
  };
  assert.equal(event.initiating_entity, 'policy');
  assert.equal(
    event.reason_admin.en,
    'impossible_travel: London, GB → São Paulo, BR: 9,507 km in 45 min, at least 12,636 km/h',
  );
});

test('a step-up lowers the session assurance from AAL2 to AAL1', () => {
  const claims = securityEventClaims({ ...decision, action: 'step_up' }, settings, NOW);
  assert.deepEqual(Object.keys(claims.events), [ASSURANCE_LEVEL_CHANGE]);
  const event = Object.values(claims.events)[0] as Record<string, unknown>;
  assert.deepEqual(
    [event.previous_level, event.current_level, event.change_direction],
    ['nist-aal2', 'nist-aal1', 'decrease'],
  );
});

test('a signed command verifies against the published key; its header says secevent+jwt and names the key', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
    string,
    string
  >;
  assert.deepEqual(header, { alg: 'EdDSA', typ: 'secevent+jwt', kid: 'k1' });
  const checked = verifySecurityEvent(token, jwks, expected);
  assert.equal(checked.ok && checked.claims.jti, 'd-123');
});

test('a tampered, foreign, misaddressed or expired command is refused with the reason', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const [h, p, s] = token.split('.') as [string, string, string];
  const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('dave', 'carl')).toString(
    'base64url',
  );
  const reason = (check: ReturnType<typeof verifySecurityEvent>) => (check.ok ? 'accepted' : check.reason);
  assert.equal(reason(verifySecurityEvent(`${h}.${forged}.${s}`, jwks, expected)), 'bad signature');
  assert.equal(
    reason(verifySecurityEvent(token, publicJwks(generateSigningKey('k1')), expected)),
    'bad signature',
  );
  assert.equal(
    reason(verifySecurityEvent(token, publicJwks(generateSigningKey('k2')), expected)),
    'unknown key id k1',
  );
  assert.equal(
    reason(verifySecurityEvent(token, jwks, { ...expected, audience: 'other' })),
    'not addressed to other',
  );
  assert.equal(reason(verifySecurityEvent(token, jwks, { ...expected, nowMs: NOW + 3601_000 })), 'expired');
});
