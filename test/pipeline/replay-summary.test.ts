import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outcome } from '../../src/pipeline/engine.ts';
import { ReplaySummary } from '../../src/pipeline/replay-summary.ts';
import { decisionOf, travelSignal } from '../sinks/fixtures.ts';

test('a user id with terminal escapes is listed escaped among the top users', () => {
  const user = 'eve\u001b[2J\u001b]0;owned\u0007';
  const summary = new ReplaySummary();
  summary.add({
    status: 'processed',
    signals: [{ ...travelSignal, user_id: user }],
    decision: decisionOf({ action: 'step_up', risk: 0.7, signals: [travelSignal], user_id: user }),
  } as unknown as Outcome);
  assert.equal(
    summary.render(),
    [
      'events 1 (rejected 0, duplicates 0)',
      'signals:',
      '  impossible_travel  1',
      'decisions:',
      '  step_up            1',
      'top users:',
      '  eve\\u001b[2J\\u001b]0;owned\\u0007 risk 0.70, 1 signal',
      '',
    ].join('\n'),
  );
});
