import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhook } from '../../../src/sinks/alerts/webhook.ts';

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
