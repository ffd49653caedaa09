import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  WEBHOOK_REJECTIONS,
  checkWebhook,
  signWebhook,
  verifyWebhook,
} from '../../../src/sinks/alerts/webhook.ts';

const SECRET = 'a-secret-of-sixteen-or-more';
const NOW = Date.parse('2026-03-19T09:45:00Z');
const body = '{"version":1,"status":"firing"}';

test('a webhook signature carries its time and an HMAC-SHA256 of time and body', () => {
  assert.match(signWebhook(body, SECRET, NOW), /^t=1773913500,v1=[0-9a-f]{64}$/);
});

test('the receiver accepts the signed body within five minutes', () => {
  const header = signWebhook(body, SECRET, NOW);
  assert.equal(verifyWebhook(body, header, SECRET, { nowMs: NOW + 299_000 }), true);
});

test('the receiver refuses a changed body, another secret, an old signature and a malformed header', () => {
  const header = signWebhook(body, SECRET, NOW);
  assert.equal(verifyWebhook(body.replace('firing', 'resolved'), header, SECRET, { nowMs: NOW }), false);
  assert.equal(verifyWebhook(body, header, 'another-secret-of-sixteen', { nowMs: NOW }), false);
  assert.equal(verifyWebhook(body, header, SECRET, { nowMs: NOW + 301_000 }), false);
  assert.equal(verifyWebhook(body, header, SECRET, { nowMs: NOW + 3_600_000, toleranceSeconds: 7200 }), true);
  assert.equal(verifyWebhook(body, 'v1=abc', SECRET, { nowMs: NOW }), false);
  assert.equal(verifyWebhook(body, header.slice(0, -2), SECRET, { nowMs: NOW }), false);
});

const outcome = (check: ReturnType<typeof checkWebhook>) =>
  check.ok ? 'accepted' : `${check.code}: ${check.reason}`;

test('a header as frameworks hand it over: absent, repeated, or an array of one', () => {
  const header = signWebhook(body, SECRET, NOW);
  const at = { nowMs: NOW };
  assert.equal(outcome(checkWebhook(body, [header], SECRET, at)), 'accepted');
  assert.equal(outcome(checkWebhook(Buffer.from(body), header, SECRET, at)), 'accepted');
  assert.equal(outcome(checkWebhook(body, undefined, SECRET, at)), 'missing: no vigil-signature');
  assert.equal(outcome(checkWebhook(body, null, SECRET, at)), 'missing: no vigil-signature');
  assert.equal(outcome(checkWebhook(body, [], SECRET, at)), 'missing: no vigil-signature');
  assert.equal(
    outcome(checkWebhook(body, [header, header], SECRET, at)),
    'repeated: vigil-signature repeated',
  );
  // Two headers joined by a proxy into one.
  assert.equal(
    outcome(checkWebhook(body, `${header}, ${signWebhook('{}', SECRET, NOW)}`, SECRET, at)),
    'repeated: vigil-signature repeats t',
  );
});

test('an empty or absent secret refuses everything rather than checking against nothing', () => {
  const header = signWebhook(body, '', NOW);
  assert.equal(outcome(checkWebhook(body, header, '', { nowMs: NOW })), 'no_secret: no secret to check with');
  assert.equal(
    outcome(checkWebhook(body, header, undefined, { nowMs: NOW })),
    'no_secret: no secret to check with',
  );
});

test('a stale or malformed signature says which', () => {
  const header = signWebhook(body, SECRET, NOW);
  assert.equal(
    outcome(checkWebhook(body, header, SECRET, { nowMs: NOW + 301_000 })),
    'stale: signed 301 s away from this clock, beyond the tolerance',
  );
  assert.equal(
    outcome(checkWebhook(body, header, SECRET, { nowMs: NOW, toleranceSeconds: Number.NaN })),
    'stale: signed 0 s away from this clock, beyond the tolerance',
  );
  assert.equal(
    outcome(checkWebhook(body, header.toUpperCase(), SECRET, { nowMs: NOW })),
    'malformed: vigil-signature is not t=<seconds>,v1=<64 hex digits>',
  );
  assert.equal(
    outcome(
      checkWebhook(body, header.replace(/.$/, header.endsWith('0') ? '1' : '0'), SECRET, { nowMs: NOW }),
    ),
    'bad_signature: bad signature',
  );
});

test('hostile bodies, headers and secrets are refused with a reason, never thrown', () => {
  const good = signWebhook(body, SECRET, NOW);
  const bodies: unknown[] = [body, '', null, undefined, 42, {}, Symbol('body'), [body]];
  const headers: unknown[] = [
    good,
    null,
    'null',
    JSON.parse('null'),
    '',
    ',,,',
    '=',
    't=,v1=',
    't=1e3,v1=' + 'a'.repeat(64),
    't=-1,v1=' + 'a'.repeat(64),
    `t=${NOW / 1000},v1=${'zz'.repeat(32)}`,
    '__proto__=1,constructor=2',
    [good],
    [null],
    [good, null],
    { t: 1 },
    42,
    Symbol('header'),
    'x'.repeat(100_000),
  ];
  const secrets: unknown[] = [SECRET, '', null, undefined, 42, Buffer.from(SECRET)];
  let accepted = 0;
  for (const b of bodies)
    for (const h of headers)
      for (const secret of secrets) {
        const check = checkWebhook(b, h, secret, { nowMs: NOW });
        if (check.ok) accepted++;
        else assert.ok(WEBHOOK_REJECTIONS.includes(check.code));
        assert.equal(verifyWebhook(b, h, secret, { nowMs: NOW }), check.ok);
      }
  // The genuine body with its own header (alone or as an array of one) and secret (as text or bytes).
  assert.equal(accepted, 4);
});
