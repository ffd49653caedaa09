import type { DecisionRecord, SignalRecord } from '../../src/pipeline/engine.ts';

/** Dave's sign-in from São Paulo 45 minutes after London: the planted incident sinks are tested with. */
export const travelSignal: SignalRecord = {
  id: 'sig-1',
  event_id: 'evt-9',
  user_id: 'dave',
  occurred_at: '2026-03-19T09:45:00Z',
  type: 'impossible_travel',
  severity: 'high',
  score: 0.8,
  summary: 'London, GB → São Paulo, BR: 9,507 km in 45 min, at least 12,636 km/h',
  evidence: { speedKmh: 12636 },
};

/** A decision on that sign-in: what Vigil did, and on which signals. */
export function decisionOf(
  verdict: Pick<DecisionRecord, 'action' | 'risk' | 'signals'> & Partial<DecisionRecord>,
): DecisionRecord {
  return {
    id: 'd-123',
    event_id: travelSignal.event_id,
    user_id: travelSignal.user_id,
    occurred_at: travelSignal.occurred_at,
    session_id: 's-1',
    ...verdict,
  };
}
