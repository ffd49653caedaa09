import type { Outcome } from './engine.ts';

type Judged = Extract<Outcome, { status: 'processed' | 'duplicate' }>;

/** One NDJSON line per signal, then one for the decision that they caused. */
export function toOutputLines(
  outcome: Extract<Outcome, { status: 'rejected' }> | Pick<Judged, 'status' | 'signals' | 'decision'>,
): string[] {
  // A redelivered event's findings were printed the first time.
  if (outcome.status !== 'processed') return [];
  const lines = outcome.signals.map(
    ({ id, event_id, user_id, occurred_at, session_id, type, severity, score, summary, evidence }) => ({
      kind: 'signal',
      id,
      event_id,
      user_id,
      occurred_at,
      ...(session_id && { session_id }),
      type,
      severity,
      score,
      summary,
      evidence,
    }),
  );
  const decision = outcome.decision;
  const all: object[] = [...lines];
  if (decision) {
    all.push({
      kind: 'decision',
      id: decision.id,
      event_id: decision.event_id,
      user_id: decision.user_id,
      occurred_at: decision.occurred_at,
      ...(decision.session_id && { session_id: decision.session_id }),
      action: decision.action,
      score: decision.risk,
      ...(decision.rule && { rule: decision.rule }),
      ...(decision.accumulated && { accumulated: decision.accumulated }),
      signals: decision.signals.map((signal) => signal.type),
      evidence: Object.fromEntries(decision.signals.map((signal) => [signal.type, signal.evidence])),
    });
  }
  return all.map((line) => `${JSON.stringify(line)}\n`);
}
