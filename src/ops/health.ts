import type { Component } from './metrics.ts';
import type { Progress } from './progress.ts';

/** A consumer as health sees it. */
export interface Watched {
  readonly ready: boolean;
  readonly progress: Progress;
}

/**
 * The health of a process from its consumers: ready while every one is in its group and able to
 * commit; stalled (so /healthz fails and an orchestrator restarts it) when one holds work or lags
 * without committing for `stallMs`.
 */
export function watchHealth(components: () => Partial<Record<Component, Watched>>, stallMs: number) {
  const each = () => Object.entries(components()) as [Component, Watched][];
  return {
    ready: () => each().every(([, watched]) => watched.ready),
    notReady: (): string | undefined =>
      each()
        .filter(([, watched]) => !watched.ready)
        .map(([name, { progress }]) =>
          progress.failure ? `${name}: cannot commit: ${progress.failure}` : name,
        )
        .join('; ') || undefined,
    stalled: (): string | undefined =>
      each()
        .flatMap(([name, { progress }]) => {
          const why = progress.stalled(stallMs);
          return why ? [`${name}: ${why}`] : [];
        })
        .join('; ') || undefined,
    lastCommitMs: () =>
      Object.fromEntries(each().map(([name, { progress }]) => [name, progress.lastCommitMs])),
  };
}
