import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, type Finding } from '../../src/evaluate/evaluate.ts';
import type { Population, Truth } from '../../src/simulate/scenario.ts';

const population: Population = {
  kind: 'population',
  users: 1000,
  days: 10,
  start: '2026-03-02T00:00:00Z',
  seed: 1,
  trusted_networks: [],
};
const attack = (
  id: string,
  type: Truth['type'],
  user: string,
  events: string[],
  start: string,
  expected: string[],
): Truth => ({
  kind: 'attack',
  id,
  type,
  users: [user],
  event_ids: events,
  start,
  end: start,
  expected_signals: expected,
  expects_action: true,
});
const truth = [
  attack('a1', 'impossible_travel', 'u1', ['e1'], '2026-03-05T10:00:00Z', ['impossible_travel']),
  attack('a2', 'mfa_fatigue', 'u2', ['e2', 'e3'], '2026-03-06T10:00:00Z', ['mfa_fatigue']),
];
const signal = (event_id: string, user_id: string, type: string, occurred_at: string): Finding => ({
  kind: 'signal',
  event_id,
  user_id,
  type,
  occurred_at,
});

test('precision, recall and false alerts per 1,000 users per day are counted from events and victims', () => {
  const result = evaluate(
    [
      signal('e1', 'u1', 'impossible_travel', '2026-03-05T10:00:00Z'),
      { kind: 'decision', event_id: 'e1', user_id: 'u1', action: 'revoke_sessions' },
      // The victim's own sign-in two hours later, judged against the attacker's: part of the attack.
      signal('e9', 'u1', 'impossible_travel', '2026-03-05T12:00:00Z'),
      signal('e7', 'u5', 'impossible_travel', '2026-03-05T12:00:00Z'),
      signal('e8', 'u6', 'new_country', '2026-03-07T12:00:00Z'),
      { kind: 'decision', event_id: 'e8', user_id: 'u6', action: 'revoke_sessions' },
    ],
    population,
    truth,
  );
  assert.deepEqual(result.signals.impossible_travel, {
    truePositives: 2,
    falsePositives: 1,
    falseNegatives: 0,
    precision: 0.667,
    recall: 1,
    f1: 0.8,
  });
  assert.deepEqual(result.attackKinds, {
    impossible_travel: { attacks: 1, detected: 1, recall: 1, acted: 1 },
    mfa_fatigue: { attacks: 1, detected: 0, recall: 0, acted: 0 },
  });
  assert.equal(result.decisions.any_action!.recall, 0.5);
  assert.equal(result.falseAlertsPer1000UsersPerDay, 0.2);
  assert.equal(result.falseRevocationsPer10000UsersPerDay, 1);
});

test('a perfect analyst confirms a takeover an hour after its decision, clears the rest, and leaves a spray alone', async () => {
  const { analystVerdicts } = await import('../../src/evaluate/evaluate.ts');
  const spray: Truth = {
    ...attack('a3', 'password_spray', 'u3', ['e9'], '2026-03-07T10:00:00Z', ['password_spray']),
    expects_action: false,
  };
  const decision = (id: string, event_id: string, user_id: string, occurred_at: string): Finding =>
    ({
      kind: 'decision',
      id,
      event_id,
      user_id,
      occurred_at,
      action: 'step_up',
      signals: ['new_country'],
    }) as Finding;
  const verdicts = analystVerdicts(
    [
      decision('d1', 'e1', 'u1', '2026-03-05T10:00:00Z'),
      decision('d2', 'x1', 'u4', '2026-03-05T09:00:00Z'),
      decision('d3', 'e9', 'u3', '2026-03-07T10:00:00Z'),
    ],
    [...truth, spray],
  );
  assert.deepEqual(
    verdicts.map((v) => {
      const { decision_id, verdict, occurred_at, allowlist } = v as Record<string, unknown>;
      return [decision_id, verdict, occurred_at, allowlist];
    }),
    [
      ['d2', 'benign', '2026-03-05T10:00:00.000Z', { scope: 'user', signals: ['new_country'] }],
      ['d1', 'confirmed', '2026-03-05T11:00:00.000Z', undefined],
    ],
  );
});
