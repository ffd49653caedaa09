import type { FeedbackOutcome } from '../pipeline/engine.ts';
import { toOutputLines } from '../pipeline/replay-output.ts';

/** A verdict as `vigil replay` prints it, then the revocation it called for, if any. */
export function feedbackOutputLines(outcome: FeedbackOutcome): string[] {
  if (outcome.status !== 'applied') return [];
  const { feedback } = outcome;
  const line = {
    kind: 'feedback',
    id: outcome.key,
    feedback_id: feedback.feedback_id,
    user_id: feedback.user_id,
    occurred_at: feedback.occurred_at,
    decision_id: feedback.decision_id,
    verdict: feedback.verdict,
    analyst: feedback.analyst,
    reason: feedback.reason,
    changed: outcome.changed,
  };
  const decision = outcome.decision;
  return [
    `${JSON.stringify(line)}\n`,
    ...(decision ? toOutputLines({ status: 'processed', signals: decision.signals, decision }) : []),
  ];
}
