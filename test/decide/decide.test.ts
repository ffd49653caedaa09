import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/index.ts';
import { decide, decisionSeverity, scoreRisk } from '../../src/decide/decide.ts';
import { DEFAULT_POLICY, loadPolicy } from '../../src/decide/policy.ts';
import type { Signal, SignalType } from '../../src/detect/signal.ts';

const signal = (type: SignalType, score: number): Signal => ({
  type,
  score,
  severity: 'medium',
  summary: '',
  evidence: {},
});

test('risk combines signals as independent evidence: 0.7 and 0.4 make 0.82', () => {
  assert.equal(scoreRisk([signal('impossible_travel', 0.7), signal('new_device', 0.4)], {}), 0.82);
  assert.equal(scoreRisk([], {}), 0);
  assert.equal(scoreRisk([signal('new_device', 0.4)], { new_device: 0.5 }), 0.2);
});

test('the default policy: a new device alone is allowed, travel steps up, travel with a new device revokes', () => {
  assert.deepEqual(decide([signal('new_device', 0.4)], DEFAULT_POLICY), { action: 'allow', risk: 0.4 });
  assert.equal(decide([signal('impossible_travel', 0.7)], DEFAULT_POLICY).action, 'step_up');
  assert.deepEqual(decide([signal('impossible_travel', 0.7), signal('new_device', 0.4)], DEFAULT_POLICY), {
    action: 'revoke_sessions',
    risk: 0.82,
    rule: 'a device never seen, from where the user cannot be',
  });
  assert.equal(decide([signal('bulk_download', 0.9)], DEFAULT_POLICY).action, 'revoke_sessions');
});

test('a policy file is validated and its errors name the file and the rule', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, 'rules:\n  - action: revoke_sessions\n    signals: [teleport]\n');
  assert.throws(
    () => loadPolicy(file),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.problems[0]!, /policy\.yaml: rules\.0\.signals\.0: Invalid option/);
      return true;
    },
  );
  writeFileSync(file, 'rules:\n  - action: step_up\n    minRisk: 0.3\n');
  assert.equal(decide([signal('new_device', 0.4)], loadPolicy(file)).action, 'step_up');
});

test('a decision is as severe as its strongest signal; a revocation is always critical', () => {
  assert.equal(decisionSeverity('step_up', [{ severity: 'medium' }, { severity: 'high' }]), 'high');
  assert.equal(decisionSeverity('allow', [{ severity: 'low' }]), 'low');
  assert.equal(decisionSeverity('revoke_sessions', [{ severity: 'low' }]), 'critical');
});

test('risk built up over hours: a new device at 0.4 steps up at 0.6 accumulated and revokes at 0.9', () => {
  const accumulated = (risk: number) => ({ risk, halfLifeHours: 6, contributions: [] });
  const device = [signal('new_device', 0.4)];
  assert.equal(decide(device, DEFAULT_POLICY, accumulated(0.59)).action, 'allow');
  const stepped = decide(device, DEFAULT_POLICY, accumulated(0.6));
  assert.deepEqual(
    [stepped.action, stepped.rule],
    ['step_up', 'signals adding up within hours: ask for fresh MFA'],
  );
  assert.equal(decide(device, DEFAULT_POLICY, accumulated(0.9)).action, 'revoke_sessions');
  // Without an accumulated risk, a rule that asks for one never matches.
  assert.equal(decide(device, DEFAULT_POLICY).action, 'allow');
});
