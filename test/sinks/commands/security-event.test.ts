import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  ASSURANCE_LEVEL_CHANGE,
  SECURITY_EVENT_REJECTIONS,
  SESSION_REVOKED,
  securityEventClaims,
  signSecurityEvent,
  verifySecurityEvent,
} from '../../../src/sinks/commands/security-event.ts';
import { generateSigningKey, loadSigningKey, publicJwks } from '../../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../fixtures.ts';

const key = generateSigningKey('k1');
const jwks = publicJwks(key);
const ISSUER = 'https://vigil.example.com';
const settings = { issuer: ISSUER, audience: ['svc'] };
const NOW = Date.parse('2026-03-19T09:45:01Z');
const expected = { issuer: ISSUER, audience: 'svc', nowMs: NOW };

const decision = decisionOf({
  action: 'revoke_sessions',
  risk: 0.94,
  rule: 'near-certain takeover',
  signals: [travelSignal],
});

test('a revocation is a session-revoked SET for every session of the user: no exp, txn the event, the evidence kept', () => {
  // Decided a minute after the sign-in it judged (09:45:00), e.g. behind a lagging topic.
  const decidedAtMs = NOW + 59_000;
  const claims = securityEventClaims(decision, settings, decidedAtMs);
  assert.deepEqual(
    { ...claims, events: Object.keys(claims.events) },
    {
      iss: ISSUER,
      aud: 'svc',
      iat: decidedAtMs / 1000,
      jti: 'd-123',
      txn: 'evt-9',
      // The sign-in named session s-1, but the decision ends all of Dave's sessions: no session member.
      sub_id: { format: 'complex', user: { format: 'opaque', id: 'dave' } },
      events: [SESSION_REVOKED],
    },
  );
  const event = claims.events[SESSION_REVOKED as keyof typeof claims.events] as Record<string, unknown>;
  assert.equal(event.event_timestamp, decidedAtMs / 1000);
  assert.equal(event.initiating_entity, 'policy');
  assert.deepEqual(event.reason_admin, {
    en: 'impossible_travel: London, GB → São Paulo, BR: 9,507 km in 45 min, at least 12,636 km/h',
  });
  const evidence = event.vigil_decision as Record<string, unknown>;
  assert.deepEqual(
    [evidence.event_id, evidence.event_occurred_at, evidence.event_session_id],
    ['evt-9', '2026-03-19T09:45:00Z', 's-1'],
  );
});

test('a step-up lowers the assurance of the session that showed the risk from AAL2 to AAL1', () => {
  const claims = securityEventClaims({ ...decision, action: 'step_up' }, settings, NOW);
  assert.deepEqual(Object.keys(claims.events), [ASSURANCE_LEVEL_CHANGE]);
  const event = Object.values(claims.events)[0] as Record<string, unknown>;
  assert.deepEqual(
    [
      event.namespace,
      event.previous_level,
      event.current_level,
      event.change_direction,
      event.event_timestamp,
    ],
    ['NIST-AAL', 'nist-aal2', 'nist-aal1', 'decrease', NOW / 1000],
  );
  assert.deepEqual(claims.sub_id, {
    format: 'complex',
    user: { format: 'opaque', id: 'dave' },
    session: { format: 'opaque', id: 's-1' },
  });
});

test('a step-up on an event that named no session reaches every session of the user', () => {
  const { session_id: _, ...sessionless } = decision;
  const claims = securityEventClaims({ ...sessionless, action: 'step_up' }, settings, NOW);
  assert.deepEqual(claims.sub_id, { format: 'complex', user: { format: 'opaque', id: 'dave' } });
  assert.equal('event_session_id' in Object.values(claims.events)[0]!.vigil_decision, false);
});

test('a signed command verifies against the published key; its header says secevent+jwt and names the key', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
    string,
    string
  >;
  assert.deepEqual(header, { alg: 'Ed25519', typ: 'secevent+jwt', kid: 'k1' });
  const checked = verifySecurityEvent(token, jwks, expected);
  assert.equal(checked.ok && checked.claims.jti, 'd-123');
});

test('a tampered, foreign or misaddressed command is refused with the reason', () => {
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
  assert.equal(
    reason(verifySecurityEvent(token, jwks, { ...expected, issuer: 'https://other.example.com' })),
    'issuer https://vigil.example.com is not https://other.example.com',
  );
});

test('a command has no expiry: a day-old one is accepted unless the receiver sets a maximum age', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const dayLater = { ...expected, nowMs: NOW + 86_400_000 + 1000 };
  assert.equal(outcome(verifySecurityEvent(token, jwks, dayLater)), 'accepted');
  assert.equal(outcome(verifySecurityEvent(token, jwks, { ...dayLater, maxAgeSeconds: 86_401 })), 'accepted');
  assert.equal(
    outcome(verifySecurityEvent(token, jwks, { ...dayLater, maxAgeSeconds: 86_400 })),
    'stale: issued 86401 s ago, more than 86400 s',
  );
});

test('a JWT with sub or exp is not a Security Event Token (SSF 1.0 §4.1.3), however well signed', () => {
  assert.equal(
    outcome(verifySecurityEvent(signed(HEADER, { ...claims, exp: NOW / 1000 + 3600 }), jwks, expected)),
    'invalid_claims: not a Security Event Token: it has exp',
  );
  assert.equal(
    outcome(verifySecurityEvent(signed(HEADER, { ...claims, sub: 'dave', exp: 1 }), jwks, expected)),
    'invalid_claims: not a Security Event Token: it has sub and exp',
  );
});

test('RS256 commands verify against an RSA key of at least 2048 bits, and no key serves two algorithms', () => {
  const rsa = generateSigningKey('r1', 'RS256');
  const rsaJwks = publicJwks(rsa);
  assert.deepEqual(Object.keys(rsaJwks.keys[0]!).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
  assert.equal(rsaJwks.keys[0]!.alg, 'RS256');
  const token = signSecurityEvent(decision, settings, rsa, NOW);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'RS256');
  assert.equal(outcome(verifySecurityEvent(token, rsaJwks, expected)), 'accepted');
  // The same RSA key offered as an Ed25519 key, or an Ed25519 key under the RSA key's id, is refused.
  assert.equal(
    outcome(verifySecurityEvent(token, { keys: [{ ...rsaJwks.keys[0], alg: 'Ed25519' }] }, expected)),
    'bad_key: key r1 of the JWKS is not an RS256 signing key',
  );
  assert.equal(
    outcome(verifySecurityEvent(token, { keys: [{ ...jwks.keys[0], kid: 'r1' }] }, expected)),
    'bad_key: key r1 of the JWKS is not an RS256 signing key',
  );
  const { privateKey: small } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const weak = { keyId: 'r1', algorithm: 'RS256', privateKey: small } as const;
  assert.equal(
    outcome(
      verifySecurityEvent(signSecurityEvent(decision, settings, weak, NOW), publicJwks(weak), expected),
    ),
    'bad_key: key r1 of the JWKS is not an RS256 signing key',
  );
});

test('a signing key must suit the configured algorithm: type, and 2048 bits for RS256', () => {
  const pem = (privateKey: KeyObject) => privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  assert.throws(() => loadSigningKey(key.pem, 'k', 'RS256'), {
    message: 'RS256 signs with an rsa key, and this one is ed25519',
  });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  assert.throws(() => loadSigningKey(pem(rsa), 'k', 'Ed25519'), {
    message: 'Ed25519 signs with an ed25519 key, and this one is rsa',
  });
  assert.throws(() => loadSigningKey(pem(rsa), 'k', 'RS256'), {
    message: 'an RS256 key needs at least 2048 bits, and this one has 1024',
  });
  assert.equal(loadSigningKey(key.pem, 'k', 'Ed25519').algorithm, 'Ed25519');
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = securityEventClaims(decision, settings, NOW);
const HEADER = { alg: 'Ed25519', typ: 'secevent+jwt', kid: 'k1' };

/** A token signed by the real key over any header and payload, as a forger with the key would write it. */
function signed(header: unknown, payload: unknown = claims): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

const outcome = (check: ReturnType<typeof verifySecurityEvent>) =>
  check.ok ? 'accepted' : `${check.code}: ${check.reason}`;

test('a signature written in another base64url spelling of the same bytes is refused', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  assert.equal(outcome(verifySecurityEvent(token, jwks, expected)), 'accepted');
  const [h, p, s] = token.split('.') as [string, string, string];
  // The last of 86 characters carries 2 bits of the signature and 4 spare ones, which decoders ignore.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const spareFlipped = alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]!;
  for (const spelling of [`${s.slice(0, -1)}${spareFlipped}`, `${s}==`, `${s.slice(0, 10)}!${s.slice(10)}`]) {
    assert.equal(
      outcome(verifySecurityEvent(`${h}.${p}.${spelling}`, jwks, expected)),
      'malformed: signature is not canonical base64url',
    );
  }
});

test('a critical header extension is refused: this verifier understands none', () => {
  assert.equal(
    outcome(verifySecurityEvent(signed({ ...HEADER, crit: ['exp'], exp: 1 }), jwks, expected)),
    'unsupported: critical header parameters not understood: ["exp"]',
  );
});

test('typ may be written as the media type application/secevent+jwt, in any case', () => {
  for (const typ of ['application/secevent+jwt', 'Application/SecEvent+JWT', 'secevent+jwt'])
    assert.equal(outcome(verifySecurityEvent(signed({ ...HEADER, typ }), jwks, expected)), 'accepted', typ);
  assert.equal(
    outcome(verifySecurityEvent(signed({ ...HEADER, typ: 'JWT' }), jwks, expected)),
    'wrong_type: typ is "JWT", not secevent+jwt',
  );
});

test('a command issued more than the clock skew (5 min by default) ahead of now is refused', () => {
  const at = (offsetSeconds: number) => signed(HEADER, { ...claims, iat: NOW / 1000 + offsetSeconds });
  assert.equal(outcome(verifySecurityEvent(at(300), jwks, expected)), 'accepted');
  assert.equal(
    outcome(verifySecurityEvent(at(301), jwks, expected)),
    'issued_in_future: issued 301 s in the future',
  );
  assert.equal(
    outcome(verifySecurityEvent(at(3600), jwks, { ...expected, clockSkewSeconds: 3600 })),
    'accepted',
  );
});

test('hostile tokens and key sets are refused with a reason, never thrown', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const [, p, s] = token.split('.') as [string, string, string];
  const cases: [unknown, unknown, string][] = [
    [null, jwks, 'malformed: not a compact JWS'],
    [undefined, jwks, 'malformed: not a compact JWS'],
    [42, jwks, 'malformed: not a compact JWS'],
    [{ token }, jwks, 'malformed: not a compact JWS'],
    ['', jwks, 'malformed: not a compact JWS'],
    ['..', jwks, 'malformed: header or payload is not base64url JSON'],
    [`${b64(null)}.${p}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [`${b64([HEADER])}.${p}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [`${b64('Ed25519')}.${p}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [`${b64(HEADER)}.${b64(null)}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [
      `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${p}.${s}`,
      jwks,
      'malformed: header or payload is not base64url JSON',
    ],
    [`${b64({ ...HEADER, alg: 'none' })}.${p}.`, jwks, 'malformed: signature is not canonical base64url'],
    [signed({ ...HEADER, alg: 'none' }), jwks, 'unsupported: unexpected alg "none"'],
    // RFC 9864 deprecates the polymorphic name; Vigil signs and accepts only the fully specified one.
    [signed({ ...HEADER, alg: 'EdDSA' }), jwks, 'unsupported: unexpected alg "EdDSA"'],
    [signed({ alg: 'Ed25519', typ: 'secevent+jwt' }), jwks, 'unknown_key: no key id'],
    [signed({ ...HEADER, kid: { $ne: null } }), jwks, 'unknown_key: no key id'],
    [token, null, 'unknown_key: unknown key id k1'],
    [token, { keys: null }, 'unknown_key: unknown key id k1'],
    [token, { keys: [null, 7, 'k1'] }, 'unknown_key: unknown key id k1'],
    [token, { keys: [{ kid: 'k1' }] }, 'bad_key: key k1 of the JWKS is not an Ed25519 signing key'],
    [
      token,
      { keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'not-a-key!' }] },
      'bad_key: key k1 of the JWKS is not an Ed25519 signing key',
    ],
    [
      token,
      { keys: [{ ...jwks.keys[0], x: (jwks.keys[0] as { x: string }).x.slice(0, 20) }] },
      'bad_key: key k1 of the JWKS is not an Ed25519 signing key',
    ],
    [
      token,
      { keys: [{ ...jwks.keys[0], alg: 'RS256' }] },
      'bad_key: key k1 of the JWKS is not an Ed25519 signing key',
    ],
    [`${token.split('.').slice(0, 2).join('.')}.AAAA`, jwks, 'bad_signature: bad signature'],
    [signed(HEADER, null), jwks, 'malformed: header or payload is not base64url JSON'],
    [
      signed(HEADER, { ...claims, events: null }),
      jwks,
      'invalid_claims: not a Vigil command: events: Invalid input',
    ],
  ];
  for (const [hostile, keys, expectedOutcome] of cases) {
    assert.equal(outcome(verifySecurityEvent(hostile, keys, expected)), expectedOutcome, String(hostile));
  }
});

test('2,000 random corruptions of a valid command are each refused, none thrown', () => {
  const token = signSecurityEvent(decision, settings, key, NOW);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u0000{}"';
  let seed = 20260319;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const codes = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const chars = [...token];
    for (let edits = 1 + random(4); edits > 0; edits--) {
      const at = random(chars.length);
      const kind = random(3);
      if (kind === 0) chars[at] = alphabet[random(alphabet.length)]!;
      else if (kind === 1) chars.splice(at, 1);
      else chars.splice(at, 0, alphabet[random(alphabet.length)]!);
    }
    const corrupted = chars.join('');
    if (corrupted === token) continue; // an edit that undid itself
    const check = verifySecurityEvent(corrupted, jwks, expected);
    assert.equal(check.ok, false, corrupted);
    if (!check.ok) {
      assert.ok(SECURITY_EVENT_REJECTIONS.includes(check.code));
      codes.add(check.code);
    }
  }
  assert.deepEqual([...codes].sort(), ['bad_signature', 'malformed', 'unknown_key', 'unsupported']);
});
