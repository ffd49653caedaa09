import type { Outcome } from './engine.ts';
import { printable } from './printable.ts';

/** The human end of `replay`: what came in, what it found, and who to look at first. */
export class ReplaySummary {
  #events = 0;
  #rejected = 0;
  #duplicates = 0;
  readonly #signals = new Map<string, number>();
  readonly #decisions = new Map<string, number>();
  readonly #risk = new Map<string, { signals: number; maxRisk: number }>();

  add(outcome: Outcome): void {
    this.#events++;
    if (outcome.status === 'rejected') this.#rejected++;
    else if (outcome.status === 'duplicate') this.#duplicates++;
    else {
      for (const signal of outcome.signals)
        this.#signals.set(signal.type, (this.#signals.get(signal.type) ?? 0) + 1);
      const decision = outcome.decision;
      if (!decision) return;
      this.#decisions.set(decision.action, (this.#decisions.get(decision.action) ?? 0) + 1);
      const user = this.#risk.get(decision.user_id) ?? { signals: 0, maxRisk: 0 };
      this.#risk.set(decision.user_id, {
        signals: user.signals + decision.signals.length,
        maxRisk: Math.max(user.maxRisk, decision.risk),
      });
    }
  }

  render(): string {
    // One column for the counts, as wide as the longest signal type or action needs.
    const width = Math.max(18, ...[...this.#signals.keys(), ...this.#decisions.keys()].map((k) => k.length));
    const counts = (map: Map<string, number>) =>
      [...map]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => `  ${k.padEnd(width)} ${n}`);
    const top = [...this.#risk]
      .sort((a, b) => b[1].maxRisk - a[1].maxRisk || b[1].signals - a[1].signals || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(
        ([user, r]) =>
          `  ${printable(user).padEnd(18)} risk ${r.maxRisk.toFixed(2)}, ${r.signals} signal${r.signals === 1 ? '' : 's'}`,
      );
    return [
      `events ${this.#events} (rejected ${this.#rejected}, duplicates ${this.#duplicates})`,
      'signals:',
      ...(this.#signals.size ? counts(this.#signals) : ['  none']),
      'decisions:',
      ...(this.#decisions.size ? counts(this.#decisions) : ['  none']),
      'top users:',
      ...(top.length ? top : ['  none']),
      '',
    ].join('\n');
  }
}
