import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JWTVerifyOptions,
} from 'jose';
import { Registry } from 'prom-client';
import { startHttpServer } from '../../../src/ops/http-server.ts';
import { transmitterConfiguration } from '../../../src/sinks/commands/discovery.ts';
import {
  ASSURANCE_LEVEL_CHANGE,
  SESSION_REVOKED,
  signSecurityEvent,
} from '../../../src/sinks/commands/security-event.ts';
import {
  generateSigningKey,
  publicJwks,
  type SigningAlgorithm,
} from '../../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../fixtures.ts';
import { caepViolations } from './caep-1-0.ts';

/**
 * Vigil's commands as a third-party receiver takes them: verified with `jose`, not with Vigil's own
 * verifier, by the rules SSF 1.0 sets for receivers, and their payloads held to CAEP 1.0.
 */

const ISSUER = 'https://vigil.example.com';
const AUDIENCE = 'zero-trust-services';
const settings = { issuer: ISSUER, audience: [AUDIENCE] };
/** The sign-in was at 09:45:00; Vigil decided on it at 09:45:01. */
const DECIDED_MS = Date.parse('2026-03-19T09:45:01Z');

const ed25519 = generateSigningKey('vigil-ed', 'Ed25519');
const rs256 = generateSigningKey('vigil-rs', 'RS256');

/** What every receiver of Vigil's commands checks (SSF 1.0 §4.1, RFC 8417 §2.2). */
const receiver = (algorithms: string[]): JWTVerifyOptions => ({
  typ: 'secevent+jwt',
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms,
  requiredClaims: ['iss', 'aud', 'iat', 'jti', 'txn', 'sub_id', 'events'],
  currentDate: new Date(DECIDED_MS + 2000),
});

const revocation = decisionOf({ action: 'revoke_sessions', risk: 0.94, signals: [travelSignal] });
const stepUp = decisionOf({ action: 'step_up', risk: 0.7, signals: [travelSignal] });
const { session_id: _, ...sessionless } = stepUp;

const refusal = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code?: string; claim?: string }) => `${error.code}${error.claim ? ` ${error.claim}` : ''}`,
  );

for (const [algorithm, key] of [
  ['Ed25519', ed25519],
  ['RS256', rs256],
] as [SigningAlgorithm, typeof ed25519][]) {
  test(`jose accepts an ${algorithm} command from a receiver that allows only ${algorithm}`, async () => {
    const token = signSecurityEvent(revocation, settings, key, DECIDED_MS);
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(publicJwks(key)),
      receiver([algorithm]),
    );
    assert.deepEqual(protectedHeader, { alg: algorithm, typ: 'secevent+jwt', kid: key.keyId });
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'events', 'iat', 'iss', 'jti', 'sub_id', 'txn']);
    assert.equal(payload.iat, DECIDED_MS / 1000);
  });
}

test('a receiver that allows only the other algorithm, or only the deprecated EdDSA name, refuses', async () => {
  const fromEd = signSecurityEvent(revocation, settings, ed25519, DECIDED_MS);
  const fromRs = signSecurityEvent(revocation, settings, rs256, DECIDED_MS);
  const keys = createLocalJWKSet({ keys: [...publicJwks(ed25519).keys, ...publicJwks(rs256).keys] });
  assert.deepEqual(
    await Promise.all([
      refusal(jwtVerify(fromEd, keys, receiver(['RS256']))),
      refusal(jwtVerify(fromEd, keys, receiver(['EdDSA']))),
      refusal(jwtVerify(fromRs, keys, receiver(['Ed25519']))),
      refusal(jwtVerify(fromEd, keys, receiver(['Ed25519', 'RS256']))),
      refusal(jwtVerify(fromRs, keys, receiver(['Ed25519', 'RS256']))),
    ]),
    [
      'ERR_JOSE_ALG_NOT_ALLOWED',
      'ERR_JOSE_ALG_NOT_ALLOWED',
      'ERR_JOSE_ALG_NOT_ALLOWED',
      'accepted',
      'accepted',
    ],
  );
});

test('the RS256 key meets the CAEP interoperability profile: at least 2048 bits', () => {
  const [jwk] = publicJwks(rs256).keys;
  assert.equal(jwk?.kty, 'RSA');
  assert.ok(Buffer.from((jwk as { n: string }).n, 'base64url').length * 8 >= 2048);
});

test('jose refuses a command for another issuer, another audience, or not typed as a SET', async () => {
  const keys = createLocalJWKSet(publicJwks(ed25519));
  const token = signSecurityEvent(revocation, settings, ed25519, DECIDED_MS);
  const options = receiver(['Ed25519']);
  assert.deepEqual(
    await Promise.all([
      refusal(jwtVerify(token, keys, { ...options, issuer: 'https://other.example.com' })),
      refusal(jwtVerify(token, keys, { ...options, audience: 'other-services' })),
      refusal(jwtVerify(token, keys, { ...options, typ: 'JWT' })),
    ]),
    [
      'ERR_JWT_CLAIM_VALIDATION_FAILED iss',
      'ERR_JWT_CLAIM_VALIDATION_FAILED aud',
      'ERR_JWT_CLAIM_VALIDATION_FAILED typ',
    ],
  );
});

test('with no exp, a receiver a day behind still takes the revocation; freshness is its own policy on iat', async () => {
  const keys = createLocalJWKSet(publicJwks(ed25519));
  const token = signSecurityEvent(revocation, settings, ed25519, DECIDED_MS);
  const dayLate = { ...receiver(['Ed25519']), currentDate: new Date(DECIDED_MS + 25 * 3_600_000) };
  assert.equal(await refusal(jwtVerify(token, keys, dayLate)), 'accepted');
  assert.equal(
    await refusal(jwtVerify(token, keys, { ...dayLate, maxTokenAge: '1 day' })),
    'ERR_JWT_EXPIRED iat',
  );
});

test('each command is one CAEP 1.0 event: session-revoked for a revocation, assurance-level-change for a step-up', async () => {
  const keys = createLocalJWKSet(publicJwks(ed25519));
  const payloads = await Promise.all(
    [revocation, stepUp, sessionless].map(async (decision) => {
      const token = signSecurityEvent(decision, settings, ed25519, DECIDED_MS);
      return (await jwtVerify(token, keys, receiver(['Ed25519']))).payload;
    }),
  );
  for (const payload of payloads) assert.deepEqual(caepViolations(payload), [], JSON.stringify(payload));
  assert.deepEqual(
    payloads.map((payload) => Object.keys(payload.events as object)),
    [[SESSION_REVOKED], [ASSURANCE_LEVEL_CHANGE], [ASSURANCE_LEVEL_CHANGE]],
  );
  for (const payload of payloads) {
    const [event] = Object.values(payload.events as Record<string, Record<string, unknown>>);
    // CAEP 1.0 §3.1.1 and §3.4.1: when the revocation or change occurred, which is the decision;
    // the sign-in's own time travels as evidence.
    assert.equal(event!.event_timestamp, DECIDED_MS / 1000);
    assert.equal(
      (event!.vigil_decision as { event_occurred_at: string }).event_occurred_at,
      '2026-03-19T09:45:00Z',
    );
    assert.equal(payload.txn, 'evt-9');
    assert.equal(payload.jti, 'd-123');
  }
  const [revoked, steppedUp, everySession] = payloads.map((payload) => payload.sub_id);
  // CAEP 1.0 §3.1: the event reaches every session matching the subject. A revocation ends all of
  // Dave's sessions, so it names none; a step-up names the session that showed the risk, if any.
  const dave = { format: 'opaque', id: 'dave' };
  assert.deepEqual(revoked, { format: 'complex', user: dave });
  assert.deepEqual(steppedUp, { format: 'complex', user: dave, session: { format: 'opaque', id: 's-1' } });
  assert.deepEqual(everySession, { format: 'complex', user: dave });
});

test('the CAEP check finds what a non-conforming token breaks', () => {
  assert.deepEqual(
    caepViolations({
      iss: 'vigil',
      iat: 1773913500,
      exp: 1773999900,
      jti: 'd-1',
      sub: 'dave',
      sub_id: { format: 'complex', user: { format: 'opaque' } },
      events: {
        [SESSION_REVOKED]: { event_timestamp: '2026-03-19', initiating_entity: 'vigil', reason_admin: {} },
        [ASSURANCE_LEVEL_CHANGE]: { namespace: 'NIST-AAL', previous_level: 'nist-aal2' },
      },
    }),
    [
      'sub: MUST NOT be present (SSF 1.0 §4.1.2)',
      'exp: MUST NOT be used (SSF 1.0 §4.1.7)',
      'txn: missing',
      'iss: not an https Issuer (SSF 1.0 §7.1)',
      'sub_id.user: opaque needs id',
      'events: 2 events, not one',
      'session-revoked: event_timestamp is not a number of seconds',
      'session-revoked: initiating_entity "vigil" is not one of the four',
      'session-revoked: reason_admin is not a map of BCP 47 tags to messages',
      'assurance-level-change: current_level is required',
      'assurance-level-change: a previous_level SHOULD come with its change_direction',
    ],
  );
});

async function opsPort(t: TestContext, issuer: string) {
  const server = await startHttpServer(
    {
      registry: new Registry(),
      ready: () => true,
      jwks: publicJwks(ed25519),
      transmitter: transmitterConfiguration(issuer),
    },
    0,
    '127.0.0.1',
  );
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a receiver given only the Issuer discovers the keys through the SSF configuration document and verifies', async (t) => {
  // An Issuer with a path, as several transmitters share a host: SSF 1.0 §7.2 puts the document at
  // /.well-known/ssf-configuration/<path>. The local port stands in for the TLS proxy before it.
  const issuer = 'https://vigil.example.com/tenant-a';
  const local = await opsPort(t, issuer);
  const response = await fetch(`${local}/.well-known/ssf-configuration/tenant-a`);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const metadata = (await response.json()) as Record<string, string>;
  assert.deepEqual(metadata, {
    spec_version: '1_0',
    issuer,
    jwks_uri: 'https://vigil.example.com/.well-known/jwks.json',
    critical_subject_members: ['user', 'session'],
  });
  const token = signSecurityEvent(stepUp, { issuer, audience: [AUDIENCE] }, ed25519, DECIDED_MS);
  const keys = createRemoteJWKSet(new URL(new URL(metadata.jwks_uri!).pathname, local));
  // SSF 1.0 §7.2.3: the document's issuer is the Issuer asked, and every token's iss.
  const { payload } = await jwtVerify(token, keys, { ...receiver(['Ed25519']), issuer: metadata.issuer });
  assert.equal(payload.iss, issuer);
  assert.equal(decodeProtectedHeader(token).kid, 'vigil-ed');
  assert.equal((await fetch(`${local}/.well-known/ssf-configuration`)).status, 404);
});
