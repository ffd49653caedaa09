import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFailureBursts } from '../../src/detect/auth-failures.ts';
import type { IpFailureView } from '../../src/state/store.ts';
import { T, authView, context, enriched } from './helpers.ts';

const failed = enriched({ atMs: T, event: { type: 'login_failure' } });
const failedV6 = enriched({ atMs: T, ip: '2001:db8:1:2::77', event: { type: 'login_failure' } });
const mfaRejected = enriched({ atMs: T, event: { type: 'mfa_failure' } });
const ipView = (usersBefore: number, users: number): IpFailureView => ({
  kind: 'ip-failure',
  usersBefore,
  users,
  sampleUsers: ['u20', 'u19'],
});

test('a window crossing 10 failed logins is brute force; one that was already over adds nothing', () => {
  const burst = (before: number, after: number) =>
    detectFailureBursts(context(failed), authView({ loginFailuresBefore: before, loginFailures: after }));
  assert.deepEqual(
    burst(9, 10).map((s) => [s.type, s.summary]),
    [['brute_force', '10 failed logins in 10 min']],
  );
  // A late failure can complete a burst whose window now holds more than the threshold.
  assert.deepEqual(
    burst(8, 12).map((s) => s.type),
    ['brute_force'],
  );
  assert.deepEqual(burst(10, 11), []);
  assert.deepEqual(burst(8, 9), []);
});

test('a window crossing 5 rejected MFA prompts is MFA fatigue', () => {
  assert.deepEqual(
    detectFailureBursts(context(mfaRejected), authView({ mfaFailuresBefore: 4, mfaFailures: 5 })).map(
      (s) => s.type,
    ),
    ['mfa_fatigue'],
  );
  assert.deepEqual(
    detectFailureBursts(context(mfaRejected), authView({ mfaFailuresBefore: 5, mfaFailures: 6 })),
    [],
  );
});

test('failed sign-ins for 20 users from one address is password spray, with a sample of users', () => {
  const [signal] = detectFailureBursts(context(failed), authView({ loginFailures: 1 }), ipView(19, 20));
  assert.equal(signal?.type, 'password_spray');
  assert.deepEqual(signal.evidence, {
    ip: '198.51.100.7',
    users: 20,
    sampleUsers: ['u20', 'u19'],
    windowMinutes: 10,
    threshold: 20,
    scope: 'address',
  });
});

test('20 users failing from many addresses of one IPv6 /64 is password spray, scoped to the prefix', () => {
  const [signal] = detectFailureBursts(context(failedV6), authView(), ipView(0, 1), ipView(19, 20));
  assert.equal(signal?.summary, "failed sign-ins for 20 users from 2001:db8:1:2::77's /64 in 10 min");
  assert.deepEqual(signal.evidence, {
    ip: '2001:db8:1:2::77',
    users: 1,
    prefix64Users: 20,
    sampleUsers: ['u20', 'u19'],
    windowMinutes: 10,
    threshold: 20,
    scope: 'prefix64',
  });
});
