import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sign } from 'node:crypto';
import {
  ASSURANCE_LEVEL_CHANGE,
  SECURITY_EVENT_REJECTIONS,
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

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = securityEventClaims(decision, settings, NOW);
const HEADER = { alg: 'EdDSA', typ: 'secevent+jwt', kid: 'k1' };

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
  const at = (offsetSeconds: number) =>
    signed(HEADER, { ...claims, iat: NOW / 1000 + offsetSeconds, exp: NOW / 1000 + 7200 });
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
    [`${b64('EdDSA')}.${p}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [`${b64(HEADER)}.${b64(null)}.${s}`, jwks, 'malformed: header or payload is not base64url JSON'],
    [
      `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${p}.${s}`,
      jwks,
      'malformed: header or payload is not base64url JSON',
    ],
    [`${b64({ ...HEADER, alg: 'none' })}.${p}.`, jwks, 'malformed: signature is not canonical base64url'],
    [signed({ ...HEADER, alg: 'none' }), jwks, 'unsupported: unexpected alg "none"'],
    [signed({ alg: 'EdDSA', typ: 'secevent+jwt' }), jwks, 'unknown_key: no key id'],
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
      { keys: [{ ...jwks.keys[0], x: jwks.keys[0]!.x.slice(0, 20) }] },
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
  assert.deepEqual([...codes].sort(), ['bad_signature', 'malformed', 'unsupported']);
});
