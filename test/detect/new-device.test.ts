import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectNewDevice } from '../../src/detect/new-device.ts';
import { isLearning } from '../../src/detect/signal.ts';
import { DAY, T, authView, context, enriched, settings } from './helpers.ts';

const laptop = { key: 'id:laptop-2', source: 'device_id' as const };
const login = enriched({ atMs: T, device: laptop, event: { device_id: 'laptop-2' } });

test('a device never seen, past learning, is a new device with what was known', () => {
  const signal = detectNewDevice(context(login), authView({ knownDevices: 2 }));
  assert.equal(signal?.type, 'new_device');
  assert.equal(signal.summary, 'sign-in from a device never seen for this user (2 known)');
  assert.deepEqual(signal.evidence, {
    device: 'id:laptop-2',
    deviceSource: 'device_id',
    deviceId: 'laptop-2',
    userAgent: null,
    knownDevices: 2,
    lastSeen: null,
    retentionDays: 90,
    history: { historyDays: 30, logins: 40 },
  });
});

test('a device seen 89 days ago is known; 91 days ago it is new again', () => {
  const seen = (days: number) => authView({ device: { firstMs: T - 200 * DAY, lastMs: T - days * DAY } });
  assert.equal(detectNewDevice(context(login), seen(89)), undefined);
  assert.equal(
    detectNewDevice(context(login), seen(91))?.summary,
    'device not used for 91 days signs in again',
  );
});

test('learning lasts until 14 days or 10 logins, whichever comes first', () => {
  const learning = settings.learning;
  assert.equal(isLearning({ logins: 0 }, T, learning), true);
  assert.equal(isLearning({ firstSeenMs: T - 13 * DAY, logins: 9 }, T, learning), true);
  assert.equal(isLearning({ firstSeenMs: T - 14 * DAY, logins: 1 }, T, learning), false);
  assert.equal(isLearning({ firstSeenMs: T - DAY, logins: 10 }, T, learning), false);
});

test('no new-device alert while the user is learning', () => {
  assert.equal(
    detectNewDevice(context(login), authView({ profile: { firstSeenMs: T - 2 * DAY, logins: 3 } })),
    undefined,
  );
});

test('without a device id or user agent nothing can be said', () => {
  assert.equal(detectNewDevice(context(enriched({ atMs: T })), authView()), undefined);
});
