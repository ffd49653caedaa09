import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFailureBursts } from '../../src/detect/auth-failures.ts';
import { T, authView, context, enriched } from './helpers.ts';

const failed = enriched({ atMs: T, event: { type: 'login_failure' } });
const mfaRejected = enriched({ atMs: T, event: { type: 'mfa_failure' } });

test('the 10th failed login in 10 minutes is brute force; the 11th adds nothing', () => {
  assert.deepEqual(
    detectFailureBursts(context(failed), authView({ loginFailures: 10 })).map((s) => [s.type, s.summary]),
    [['brute_force', '10 failed logins in 10 min']],
  );
  assert.deepEqual(detectFailureBursts(context(failed), authView({ loginFailures: 11 })), []);
  assert.deepEqual(detectFailureBursts(context(failed), authView({ loginFailures: 9 })), []);
});

test('the 5th rejected MFA prompt is MFA fatigue', () => {
  assert.deepEqual(
    detectFailureBursts(context(mfaRejected), authView({ mfaFailures: 5 })).map((s) => s.type),
    ['mfa_fatigue'],
  );
});

test('failed sign-ins for 20 users from one address is password spray, with a sample of users', () => {
  const [signal] = detectFailureBursts(context(failed), authView({ loginFailures: 1 }), {
    kind: 'ip-failure',
    usersBefore: 19,
    users: 20,
    sampleUsers: ['u20', 'u19'],
  });
  assert.equal(signal?.type, 'password_spray');
  assert.deepEqual(signal.evidence, {
    ip: '198.51.100.7',
    users: 20,
    sampleUsers: ['u20', 'u19'],
    windowMinutes: 10,
    threshold: 20,
  });
});
