import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionRecord, SignalRecord } from '../../../src/pipeline/engine.ts';
import { alertOf } from '../../../src/sinks/alerts/alert.ts';
import { securityEventSchema } from '../../../src/sinks/commands/schema.ts';
import { securityEventClaims } from '../../../src/sinks/commands/security-event.ts';
import { decisionOf, travelSignal as travel } from '../fixtures.ts';

const NOW = Date.parse('2026-03-19T09:45:01Z');
const HOUR = 3_600_000;
const settings = {
  minSeverity: 'high',
  repeatIntervalMs: 4 * HOUR,
  kibanaUrl: 'https://kibana.example/',
} as const;

const device: SignalRecord = {
  ...travel,
  id: 'sig-2',
  type: 'new_device',
  severity: 'medium',
  score: 0.5,
  summary: 'first sign-in from device d-77',
  evidence: { deviceId: 'd-77' },
};

function claimsOf(overrides: Partial<DecisionRecord>) {
  const decision = decisionOf({ action: 'step_up', risk: 0.7, signals: [device, travel], ...overrides });
  // As the notifier holds them: verified and parsed by the command schema.
  return securityEventSchema.parse(
    securityEventClaims(decision, { issuer: 'https://vigil.example', audience: ['svc'] }, NOW),
  );
}

test('a step-up page is labelled with its leading signal, the user and the action, and explains itself', () => {
  const alert = alertOf(claimsOf({}), settings, NOW)!;
  assert.deepEqual(alert.labels, {
    alertname: 'VigilRiskDecision',
    severity: 'high',
    signal: 'impossible_travel',
    user: 'dave',
    action: 'step_up',
  });
  assert.equal(
    alert.annotations.summary,
    'dave: London, GB → São Paulo, BR: 9,507 km in 45 min, at least 12,636 km/h (step-up required)',
  );
  assert.equal(
    alert.annotations.description,
    'impossible_travel (high): London, GB → São Paulo, BR: 9,507 km in 45 min, at least 12,636 km/h\n' +
      'new_device (medium): first sign-in from device d-77',
  );
  assert.deepEqual(JSON.parse(alert.annotations.evidence!), [
    { type: 'impossible_travel', severity: 'high', score: 0.8, evidence: { speedKmh: 12636 } },
    { type: 'new_device', severity: 'medium', score: 0.5, evidence: { deviceId: 'd-77' } },
  ]);
  assert.equal(alert.annotations.risk, '0.70');
  assert.equal(alert.annotations.decision_id, 'd-123');
  assert.equal(alert.annotations.session_id, 's-1');
  assert.equal(alert.startsAt, '2026-03-19T09:45:00.000Z');
  assert.equal(alert.endsAt, '2026-03-19T13:45:01.000Z');
  assert.ok(alert.annotations.investigation_url!.startsWith('https://kibana.example/app/dashboards#/view/'));
  assert.equal(alert.generatorURL, alert.annotations.investigation_url);
});

test('a revocation pages as critical whatever its signals', () => {
  const alert = alertOf(claimsOf({ action: 'revoke_sessions', signals: [device] }), settings, NOW)!;
  assert.equal(alert.labels.severity, 'critical');
  assert.equal(alert.labels.signal, 'new_device');
  assert.match(alert.annotations.summary!, /\(sessions revoked\)$/);
  // The token names no session (all of Dave's end), but the page still says which one showed the risk.
  assert.equal(alert.annotations.session_id, 's-1');
});

test('a step-up below the minimum severity does not page', () => {
  assert.equal(alertOf(claimsOf({ signals: [device] }), settings, NOW), undefined);
  assert.equal(
    alertOf(claimsOf({ signals: [device] }), { ...settings, minSeverity: 'medium' }, NOW)?.labels.severity,
    'medium',
  );
});

test('a repeat of the same user, signal and action is the same episode; another action is not', () => {
  const first = alertOf(claimsOf({}), settings, NOW)!;
  const repeat = alertOf(claimsOf({ id: 'd-124', event_id: 'evt-10', risk: 0.75 }), settings, NOW + HOUR)!;
  const revoke = alertOf(claimsOf({ action: 'revoke_sessions' }), settings, NOW)!;
  assert.deepEqual(repeat.labels, first.labels);
  const episode = ({ labels }: typeof first) => [labels.user, labels.signal, labels.action];
  assert.notDeepEqual(episode(revoke), episode(first));
});

test('an event replayed from long ago stays open for the repeat interval from now', () => {
  const alert = alertOf(claimsOf({}), settings, NOW + 24 * HOUR)!;
  assert.equal(alert.endsAt, new Date(NOW + 28 * HOUR).toISOString());
});

test('the investigation link leaves out credentials written into VIGIL_KIBANA_URL', () => {
  const kibanaUrl = 'https://viewer:hunter2@kibana.example/?auth_token=abc';
  const alert = alertOf(claimsOf({}), { ...settings, kibanaUrl }, NOW)!;
  assert.ok(alert.annotations.investigation_url!.startsWith('https://kibana.example/app/dashboards#/view/'));
  assert.ok(!JSON.stringify(alert).includes('hunter2'));
  assert.ok(!JSON.stringify(alert).includes('abc'));
});
