import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createEnforcer, type EnforcerOptions } from '../../packages/client/src/index.ts';
import { securityEventClaims } from '../../src/sinks/commands/security-event.ts';
import { generateSigningKey, publicJwks } from '../../src/sinks/commands/signing.ts';
import {
  AUDIENCE,
  command,
  DECIDED_MS,
  ISSUER,
  jwks,
  revocation,
  signClaims,
  stepUp,
  vigilKey,
} from './helpers.ts';

const KEEP_SECONDS = 3600;

function enforcer(t: TestContext, options: Partial<EnforcerOptions> = {}) {
  let nowMs = DECIDED_MS + 2000;
  const instance = createEnforcer({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks,
    keepSeconds: KEEP_SECONDS,
    now: () => nowMs,
    ...options,
  });
  t.after(() => instance.stop());
  return { enforcer: instance, advance: (ms: number) => (nowMs += ms) };
}

test('a revocation ends every session of the user that began before the decision, and no later one', async (t) => {
  const { enforcer: e } = enforcer(t);
  const receipt = await e.receive(command(revocation()));
  assert.equal(receipt.ok, true);
  assert.equal(e.isSessionRevoked('s-1', 'dave'), true, 'start unknown: treated as older');
  assert.equal(e.isSessionRevoked('s-attacker', 'dave', DECIDED_MS - 1000), true);
  // 09:45:01.999 is still the decision's second; 09:45:02 is a sign-in after it.
  assert.equal(e.isSessionRevoked('s-same-second', 'dave', DECIDED_MS + 999), true);
  assert.equal(e.isSessionRevoked('s-new', 'dave', DECIDED_MS + 1000), false);
  assert.equal(e.isSessionRevoked('s-1', 'erin'), false);
  assert.equal(e.isSessionRevoked('s-1'), false, 'without the user, a user-wide revocation is not known');
  assert.deepEqual(e.stats().enforced, { revoke: 1, step_up: 0 });
});

test('a step-up holds for its session until it passes MFA, and is forgotten after the keep time', async (t) => {
  const { enforcer: e, advance } = enforcer(t);
  assert.equal((await e.receive(command(stepUp()))).ok, true);
  assert.equal(e.stepUpRequired('dave', 's-1'), true);
  assert.equal(e.stepUpRequired('dave', 's-2'), false, 'a step-up with a session names that session only');
  assert.equal(e.isSessionRevoked('s-1', 'dave'), false);
  advance(5000);
  await e.stepUpSatisfied('dave', 's-1');
  assert.equal(e.stepUpRequired('dave', 's-1'), false);

  const { enforcer: later, advance: advanceLater } = enforcer(t);
  await later.receive(command(stepUp()));
  advanceLater(KEEP_SECONDS * 1000 - 2000 - 1);
  assert.equal(later.stepUpRequired('dave', 's-1'), true, 'kept until iat + keep time');
  advanceLater(1);
  assert.equal(later.stepUpRequired('dave', 's-1'), false);
});

test('forged, replayed, wrong-audience, unknown-key, stale, exp-bearing and future SETs change nothing and are counted', async (t) => {
  const rejections: string[] = [];
  const { enforcer: e } = enforcer(t, { onRejected: ({ code }) => rejections.push(code) });
  const impostor = generateSigningKey(vigilKey.keyId, 'Ed25519'); // same kid, another key
  const stranger = generateSigningKey('rotated-away', 'Ed25519');
  const genuine = command(stepUp({ id: 'd-genuine', user_id: 'erin' }));
  const claims = securityEventClaims(revocation(), { issuer: ISSUER, audience: [AUDIENCE] }, DECIDED_MS);
  const tampered = genuine.split('.');
  tampered[1] = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const cases: [string, string][] = [
    ['forged', command(revocation(), { key: impostor })],
    ['tampered', tampered.join('.')],
    ['wrong audience', command(revocation(), { audience: 'payroll' })],
    ['unknown key', command(revocation(), { key: stranger })],
    ['stale', command(revocation(), { decidedAtMs: DECIDED_MS - (KEEP_SECONDS + 60) * 1000 })],
    ['issued in the future', command(revocation(), { decidedAtMs: DECIDED_MS + 3600_000 })],
    ['exp', signClaims({ ...claims, exp: Math.floor(DECIDED_MS / 1000) + 600 })],
    ['sub', signClaims({ ...claims, sub: 'dave' })],
    ['wrong issuer', signClaims({ ...claims, iss: 'https://evil.example.com' })],
    ['not a JWS', 'garbage'],
  ];
  assert.equal((await e.receive(genuine)).ok, true);
  const codes: Record<string, string> = {};
  for (const [name, token] of cases) {
    const receipt = await e.receive(token);
    codes[name] = receipt.ok ? 'accepted' : receipt.code;
  }
  const replay = await e.receive(genuine);
  codes.replayed = replay.ok ? 'accepted' : replay.code;
  assert.deepEqual(codes, {
    forged: 'bad_signature',
    tampered: 'bad_signature',
    'wrong audience': 'wrong_audience',
    'unknown key': 'unknown_key',
    stale: 'stale',
    'issued in the future': 'issued_in_future',
    exp: 'invalid_claims',
    sub: 'invalid_claims',
    'wrong issuer': 'wrong_issuer',
    'not a JWS': 'malformed',
    replayed: 'replayed',
  });
  assert.equal(e.isSessionRevoked('s-1', 'dave'), false, 'no refused token revoked anything');
  assert.deepEqual(e.stats().enforced, { revoke: 0, step_up: 1 });
  const { rejected } = e.stats();
  assert.equal(rejected.bad_signature, 2);
  assert.equal(rejected.invalid_claims, 2);
  assert.equal(rejected.replayed, 1);
  assert.equal(
    Object.values(rejected).reduce((a, b) => a + b, 0),
    11,
  );
  assert.equal(rejections.length, 11);
});

test('RS256 commands are enforced like Ed25519 ones', async (t) => {
  const rsa = generateSigningKey('vigil-rs', 'RS256');
  const { enforcer: e } = enforcer(t, { jwks: publicJwks(rsa) });
  assert.equal((await e.receive(command(revocation(), { key: rsa }))).ok, true);
  assert.equal(e.isSessionRevoked('s-1', 'dave'), true);
});

/** Serves a JWKS that can change, counting the fetches. */
async function jwksServer(t: TestContext, initial: object) {
  let body = JSON.stringify(initial);
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    fetches: () => fetches,
    serve: (jwks: object) => (body = JSON.stringify(jwks)),
  };
}

test('a rotated key is fetched on its first token; unknown kids refetch at most once per cooldown', async (t) => {
  const served = await jwksServer(t, jwks);
  const { enforcer: e } = enforcer(t, { jwks: undefined, jwksUrl: served.url, jwksCooldownMs: 60_000 });
  assert.equal((await e.receive(command(revocation({ id: 'd-1' })))).ok, true);
  assert.equal(served.fetches(), 1);
  assert.equal((await e.receive(command(revocation({ id: 'd-2' })))).ok, true);
  assert.equal(served.fetches(), 1, 'cached');

  const { enforcer: rotating } = enforcer(t, { jwks: undefined, jwksUrl: served.url, jwksCooldownMs: 0 });
  assert.equal((await rotating.receive(command(revocation({ id: 'd-1' })))).ok, true);
  const next = generateSigningKey('vigil-next', 'Ed25519');
  served.serve(publicJwks(vigilKey, next));
  const before = served.fetches();
  assert.equal((await rotating.receive(command(revocation({ id: 'd-3' }), { key: next }))).ok, true);
  assert.equal(served.fetches(), before + 1, 'the new kid made it fetch again');

  const { enforcer: guarded } = enforcer(t, { jwks: undefined, jwksUrl: served.url, jwksCooldownMs: 60_000 });
  await guarded.receive(command(revocation({ id: 'd-1' })));
  const settled = served.fetches();
  for (let i = 0; i < 20; i++) {
    const bogus = generateSigningKey(`made-up-${i}`, 'Ed25519');
    const receipt = await guarded.receive(command(revocation({ id: `d-bogus-${i}` }), { key: bogus }));
    assert.equal(receipt.ok ? 'accepted' : receipt.code, 'unknown_key');
  }
  assert.equal(served.fetches(), settled, '20 unknown kids within the cooldown: no fetch');
});

test('keys that cannot be fetched leave the token to be retried, neither refused nor enforced', async (t) => {
  const { enforcer: e } = enforcer(t, {
    jwks: undefined,
    jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
  });
  await assert.rejects(e.receive(command(revocation())), { code: 'jwks_unavailable' });
  assert.equal(
    Object.values(e.stats().rejected).reduce((a, b) => a + b, 0),
    0,
  );
  assert.equal(e.isSessionRevoked('s-1', 'dave'), false);
});
