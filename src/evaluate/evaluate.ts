import { SIGNAL_TYPES } from '../detect/signal.ts';
import type { Population, Trap, Truth } from '../simulate/scenario.ts';

/** A finding as `replay` prints it (or as read back from the search engine). */
export interface Finding {
  readonly kind: 'signal' | 'decision';
  readonly event_id: string;
  readonly user_id: string;
  readonly occurred_at?: string;
  readonly type?: string;
  readonly action?: string;
  /** A decision's signal types. */
  readonly signals?: readonly string[];
}

export interface Score {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
}

export interface Evaluation {
  readonly users: number;
  readonly days: number;
  readonly attacks: number;
  /** Per signal type: a signal on an attack's event is true, anywhere else false; recall over attacks expecting it. */
  readonly signals: Record<string, Score>;
  /** Per attack kind: found if any expected signal fired on any of its events. */
  readonly attackKinds: Record<string, { attacks: number; detected: number; recall: number; acted: number }>;
  /** Per action (step_up, revoke_sessions): true on an attack's event. */
  readonly decisions: Record<string, Score>;
  /**
   * Per benign trap kind: traps, those that stayed quiet, the signals they tempt that they drew, and
   * revocations of their users within them.
   */
  readonly traps: Record<string, { traps: number; quiet: number; signals: number; revocations: number }>;
  readonly falseAlertsPer1000UsersPerDay: number;
  readonly falseRevocationsPer10000UsersPerDay: number;
}

function score(tp: number, fp: number, fn: number): Score {
  const precision = tp + fp ? tp / (tp + fp) : null;
  const recall = tp + fn ? tp / (tp + fn) : null;
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : null;
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
  };
}

/**
 * An attack leaves marks after its own events: the victim's next genuine sign-in is impossible travel
 * from where the attacker was. Findings on a victim within a day after an attack belong to it.
 */
const AFTERMATH_MS = 24 * 3_600_000;

export function evaluate(
  findings: Iterable<Finding>,
  population: Population,
  truth: readonly Truth[],
  traps: readonly Trap[] = [],
): Evaluation {
  const trapsOf = new Map<string, Trap[]>();
  for (const trap of traps)
    for (const user of trap.users) trapsOf.set(user, [...(trapsOf.get(user) ?? []), trap]);
  const trapFor = (finding: Finding) => {
    if (!finding.occurred_at) return undefined;
    const at = Date.parse(finding.occurred_at);
    return trapsOf
      .get(finding.user_id)
      ?.find((trap) => at >= Date.parse(trap.start) && at <= Date.parse(trap.end));
  };
  const trapCounts = new Map<Trap, { signals: number; revocations: number }>(
    traps.map((trap) => [trap, { signals: 0, revocations: 0 }]),
  );
  const attackOf = new Map<string, Truth>();
  for (const attack of truth) for (const id of attack.event_ids) attackOf.set(id, attack);
  const byVictim = new Map<string, Truth[]>();
  for (const attack of truth)
    for (const user of attack.users) byVictim.set(user, [...(byVictim.get(user) ?? []), attack]);
  const attackFor = (finding: Finding) => {
    const direct = attackOf.get(finding.event_id);
    if (direct || !finding.occurred_at) return direct;
    const at = Date.parse(finding.occurred_at);
    return byVictim
      .get(finding.user_id)
      ?.find((attack) => at >= Date.parse(attack.start) && at <= Date.parse(attack.end) + AFTERMATH_MS);
  };
  const fired = new Map<Truth, Set<string>>(truth.map((attack) => [attack, new Set()]));
  const acted = new Set<Truth>();
  const signalCounts = new Map<string, { tp: number; fp: number }>();
  const decisionCounts = new Map<string, { tp: number; fp: number }>();
  let falseAlerts = 0;
  let falseRevocations = 0;

  for (const finding of findings) {
    const attack = attackFor(finding);
    if (finding.kind === 'signal' && finding.type) {
      const counts = signalCounts.get(finding.type) ?? { tp: 0, fp: 0 };
      if (attack) {
        counts.tp++;
        fired.get(attack)!.add(finding.type);
      } else {
        counts.fp++;
        falseAlerts++;
        const trap = trapFor(finding);
        if (trap?.tempted_signals.includes(finding.type)) trapCounts.get(trap)!.signals++;
      }
      signalCounts.set(finding.type, counts);
    } else if (finding.kind === 'decision' && finding.action && finding.action !== 'allow') {
      const counts = decisionCounts.get(finding.action) ?? { tp: 0, fp: 0 };
      if (attack) {
        counts.tp++;
        acted.add(attack);
      } else {
        counts.fp++;
        if (finding.action === 'revoke_sessions') {
          falseRevocations++;
          const trap = trapFor(finding);
          if (trap) trapCounts.get(trap)!.revocations++;
        }
      }
      decisionCounts.set(finding.action, counts);
    }
  }

  const signals: Record<string, Score> = {};
  for (const type of SIGNAL_TYPES) {
    const expecting = truth.filter((attack) => attack.expected_signals.includes(type));
    const found = expecting.filter((attack) => fired.get(attack)!.has(type)).length;
    const counts = signalCounts.get(type) ?? { tp: 0, fp: 0 };
    if (expecting.length || counts.tp || counts.fp)
      signals[type] = {
        ...score(counts.tp, counts.fp, expecting.length - found),
        recall: expecting.length ? Math.round((found / expecting.length) * 1000) / 1000 : null,
      };
  }
  const attackKinds: Evaluation['attackKinds'] = {};
  for (const attack of truth) {
    const entry = attackKinds[attack.type] ?? { attacks: 0, detected: 0, recall: 0, acted: 0 };
    entry.attacks++;
    if (attack.expected_signals.some((type) => fired.get(attack)!.has(type))) entry.detected++;
    if (acted.has(attack)) entry.acted++;
    entry.recall = Math.round((entry.detected / entry.attacks) * 1000) / 1000;
    attackKinds[attack.type] = entry;
  }
  const expectingAction = truth.filter((attack) => attack.expects_action);
  const decisions: Record<string, Score> = {};
  for (const action of ['step_up', 'revoke_sessions']) {
    const counts = decisionCounts.get(action) ?? { tp: 0, fp: 0 };
    decisions[action] = score(counts.tp, counts.fp, 0);
  }
  const actedOn = expectingAction.filter((attack) => acted.has(attack)).length;
  decisions.any_action = score(
    [...decisionCounts.values()].reduce((sum, c) => sum + c.tp, 0),
    [...decisionCounts.values()].reduce((sum, c) => sum + c.fp, 0),
    expectingAction.length - actedOn,
  );
  decisions.any_action = {
    ...decisions.any_action,
    recall: expectingAction.length ? Math.round((actedOn / expectingAction.length) * 1000) / 1000 : null,
  };
  const trapKinds: Evaluation['traps'] = {};
  for (const [trap, counts] of trapCounts) {
    const entry = (trapKinds[trap.type] ??= { traps: 0, quiet: 0, signals: 0, revocations: 0 });
    entry.traps++;
    if (counts.signals === 0 && counts.revocations === 0) entry.quiet++;
    entry.signals += counts.signals;
    entry.revocations += counts.revocations;
  }
  const userDays = population.users * population.days;
  return {
    users: population.users,
    days: population.days,
    attacks: truth.length,
    signals,
    attackKinds,
    decisions,
    traps: trapKinds,
    falseAlertsPer1000UsersPerDay: Math.round((falseAlerts / userDays) * 1000 * 1000) / 1000,
    falseRevocationsPer10000UsersPerDay: Math.round((falseRevocations / userDays) * 10000 * 1000) / 1000,
  };
}

/** How long the analyst takes to judge a decision, in `analystVerdicts`. */
export const ANALYST_DELAY_MS = 3_600_000;

/**
 * The verdicts a perfect analyst would give an hour after each decision that acted: confirmed when it
 * belongs to a takeover (an attack that calls for action), none for a spray's targets, else benign with an allowlist entry for the user and the signals it raised
 * (30 days). Replayed with the events (`vigil replay --feedback`), they show what feedback changes.
 */
export function analystVerdicts(findings: Iterable<Finding>, truth: readonly Truth[]): object[] {
  const attackOf = new Map<string, Truth>();
  for (const attack of truth) for (const id of attack.event_ids) attackOf.set(id, attack);
  const victims = new Map<string, Truth[]>();
  for (const attack of truth)
    for (const user of attack.users) victims.set(user, [...(victims.get(user) ?? []), attack]);
  const verdicts: object[] = [];
  for (const finding of findings) {
    if (finding.kind !== 'decision' || !finding.action || finding.action === 'allow' || !finding.occurred_at)
      continue;
    const at = Date.parse(finding.occurred_at);
    const attack =
      attackOf.get(finding.event_id) ??
      victims
        .get(finding.user_id)
        ?.find((a) => at >= Date.parse(a.start) && at <= Date.parse(a.end) + AFTERMATH_MS);
    // A spray's targets are attacked, not taken over: there is nothing to confirm or to clear.
    if (attack && !attack.expects_action) continue;
    const id = (finding as { id?: string }).id ?? finding.event_id;
    verdicts.push({
      kind: 'feedback',
      feedback_id: `analyst-${id}`,
      occurred_at: new Date(at + ANALYST_DELAY_MS).toISOString(),
      user_id: finding.user_id,
      decision_id: id,
      decision_action: finding.action,
      analyst: 'simulated-analyst',
      ...(attack
        ? { verdict: 'confirmed', reason: `${attack.type} (${attack.id})` }
        : {
            verdict: 'benign',
            reason: 'judged benign',
            ...(finding.signals?.length && {
              allowlist: { scope: 'user', signals: [...new Set(finding.signals)] },
            }),
          }),
    });
  }
  return verdicts.sort((a, b) =>
    String((a as { occurred_at: string }).occurred_at).localeCompare(
      (b as { occurred_at: string }).occurred_at,
    ),
  );
}

const cell = (x: number | null) => (x === null ? '–' : x.toFixed(3));

export function renderEvaluation(e: Evaluation): string {
  const lines = [
    `${e.users} users, ${e.days} days, ${e.attacks} attacks`,
    '',
    'attack kind            attacks  detected  recall  acted on',
    ...Object.entries(e.attackKinds).map(
      ([kind, a]) =>
        `${kind.padEnd(22)} ${String(a.attacks).padStart(7)}  ${String(a.detected).padStart(8)}  ${a.recall.toFixed(3)}  ${String(a.acted).padStart(8)}`,
    ),
    '',
    'signal               true  false  precision  recall     F1',
    ...Object.entries(e.signals).map(
      ([type, s]) =>
        `${type.padEnd(18)} ${String(s.truePositives).padStart(6)} ${String(s.falsePositives).padStart(6)}  ${cell(s.precision).padStart(9)}  ${cell(s.recall).padStart(6)}  ${cell(s.f1).padStart(5)}`,
    ),
    '',
    'decision             true  false  precision  recall     F1',
    ...Object.entries(e.decisions).map(
      ([action, s]) =>
        `${action.padEnd(18)} ${String(s.truePositives).padStart(6)} ${String(s.falsePositives).padStart(6)}  ${cell(s.precision).padStart(9)}  ${cell(s.recall).padStart(6)}  ${cell(s.f1).padStart(5)}`,
    ),
    '',
    ...(Object.keys(e.traps).length
      ? [
          'benign trap            traps  quiet  signals  revocations',
          ...Object.entries(e.traps).map(
            ([kind, t]) =>
              `${kind.padEnd(22)} ${String(t.traps).padStart(5)}  ${String(t.quiet).padStart(5)}  ${String(t.signals).padStart(7)}  ${String(t.revocations).padStart(11)}`,
          ),
          '',
        ]
      : []),
    `false alerts per 1,000 users per day:        ${e.falseAlertsPer1000UsersPerDay}`,
    `false revocations per 10,000 users per day:  ${e.falseRevocationsPer10000UsersPerDay}`,
    '',
  ];
  return lines.join('\n');
}
