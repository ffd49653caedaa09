import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowExpiresMs, parseFeedback } from '../../src/feedback/schema.ts';

const benign = {
  kind: 'feedback',
  feedback_id: 'f1',
  occurred_at: '2026-03-20T10:00:00Z',
  user_id: 'carol',
  decision_id: 'Vw5F8C-x_ft3RJaPzvOa',
  verdict: 'benign',
  analyst: 'sam@example.com',
  reason: 'a trip to New York',
  country: 'US',
  allowlist: { scope: 'user', signals: ['new_country'] },
};

test('a benign verdict with an allowlist entry and no end ends 30 days after it', () => {
  const result = parseFeedback(JSON.stringify(benign));
  assert.ok(result.ok);
  assert.equal(allowExpiresMs(result.feedback), Date.parse('2026-04-19T10:00:00Z'));
});

test('bad feedback is a reason naming the field', () => {
  const reason = (value: object | string) => {
    const result = parseFeedback(typeof value === 'string' ? value : JSON.stringify(value));
    return result.ok ? 'ok' : `${result.code}: ${result.reason}`;
  };
  assert.equal(
    reason('{'),
    "malformed: malformed JSON: Expected property name or '}' in JSON at position 1 (line 1 column 2)",
  );
  assert.equal(
    reason({ ...benign, verdict: 'confirmed' }),
    'invalid: allowlist: only benign feedback creates an allowlist entry',
  );
  assert.equal(
    reason({ ...benign, allowlist: { scope: 'network' } }),
    'invalid: allowlist.network: a network entry needs a network, and only a network entry has one',
  );
  assert.equal(
    reason({ ...benign, allowlist: { scope: 'user', expires_at: '2027-03-21T10:00:00Z' } }),
    'invalid: allowlist.expires_at: expires_at must be after occurred_at, and at most 365 days after',
  );
  assert.equal(
    reason({ ...benign, allowlist: { scope: 'network', network: '10.0.0.0/33' } }),
    'invalid: allowlist.network: "10.0.0.0/33" is not a CIDR such as 203.0.113.0/24',
  );
  assert.match(reason({ ...benign, analyst: undefined }), /^invalid: analyst: /);
});
