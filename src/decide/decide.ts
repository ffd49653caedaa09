import { SEVERITIES } from '../config/schema.ts';
import type { Severity, Signal } from '../detect/signal.ts';
import type { Action, Policy } from './policy.ts';

export interface Accumulated {
  readonly risk: number;
  readonly halfLifeHours: number;
  readonly contributions: readonly {
    readonly id: string;
    readonly type: string;
    readonly at: string;
    readonly score: number;
    readonly weight: number;
  }[];
}

export interface Verdict {
  readonly action: Action;
  readonly risk: number;
  /** The user's risk built up over time, when known, and the signals it is made of. */
  readonly accumulated?: Accumulated;
  /** The policy rule that chose the action; absent for the default `allow`. */
  readonly rule?: string;
}

/**
 * Risk is the chance that at least one signal is right, taking each weighted score as independent
 * evidence (noisy-OR): two medium signals together outweigh either alone, and the result stays in [0, 1].
 */
export function scoreRisk(signals: readonly Signal[], weights: Policy['weights']): number {
  const doubt = signals.reduce(
    (product, signal) => product * (1 - signal.score * (weights[signal.type] ?? 1)),
    1,
  );
  return Math.round((1 - doubt) * 1000) / 1000;
}

/**
 * The first rule that matches. Without an accumulated risk (a caller that keeps none) a rule that asks
 * for one does not match; the accumulated risk is never below the event's own, so it only adds.
 */
export function decide(signals: readonly Signal[], policy: Policy, accumulated?: Accumulated): Verdict {
  const risk = scoreRisk(signals, policy.weights);
  const present = new Set(signals.map((signal) => signal.type));
  const extra = accumulated && { accumulated };
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.minRisk !== undefined && risk < rule.minRisk) continue;
    if (
      rule.minAccumulatedRisk !== undefined &&
      (accumulated === undefined || accumulated.risk < rule.minAccumulatedRisk)
    )
      continue;
    if (rule.signals && !rule.signals.every((type) => present.has(type))) continue;
    return { action: rule.action, risk, rule: rule.description ?? `rule ${index + 1}`, ...extra };
  }
  return { action: 'allow', risk, ...extra };
}

/**
 * A decision is as severe as its strongest signal, except that revoking a user's sessions, the strongest
 * thing Vigil does, is always critical: on-call hears of every one, and search ranks it first.
 */
export function decisionSeverity(action: Action, signals: readonly Pick<Signal, 'severity'>[]): Severity {
  if (action === 'revoke_sessions') return 'critical';
  const rank = (severity: Severity) => SEVERITIES.indexOf(severity);
  return signals.reduce<Severity>(
    (top, { severity }) => (rank(severity) > rank(top) ? severity : top),
    'low',
  );
}
