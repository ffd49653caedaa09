import type { z } from 'zod';
import type { detectSchema, SEVERITIES } from '../config/schema.ts';
import type { EnrichedEvent } from '../enrich/enrich.ts';
import type { Profile } from '../state/store.ts';
import { SIGNAL_TYPES } from './signal-types.ts';

export { SIGNAL_TYPES };
export type SignalType = (typeof SIGNAL_TYPES)[number];
export type Severity = (typeof SEVERITIES)[number];

/** What a detector found, with everything an analyst needs to judge it without another query. */
export interface Signal {
  readonly type: SignalType;
  readonly severity: Severity;
  /** In [0, 1]: how strongly this signal alone says the session is not the user's. */
  readonly score: number;
  readonly summary: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

export type DetectSettings = z.infer<typeof detectSchema>;

export interface DetectContext {
  readonly enriched: EnrichedEvent;
  readonly settings: DetectSettings;
  readonly geoDataDate: string | undefined;
}

const DAY_MS = 86_400_000;

/**
 * A user is learning until 14 days of history or 10 logins, whichever comes first
 * (Entra ID Protection's rule): until then nothing is "new" for them.
 */
export function isLearning(profile: Profile, atMs: number, learning: DetectSettings['learning']): boolean {
  if (profile.firstSeenMs === undefined) return true;
  return atMs - profile.firstSeenMs < learning.days * DAY_MS && profile.logins < learning.logins;
}

export function learningEvidence(profile: Profile, atMs: number) {
  return {
    historyDays: profile.firstSeenMs === undefined ? 0 : round((atMs - profile.firstSeenMs) / DAY_MS, 1),
    logins: profile.logins,
  };
}

export const round = (value: number, digits = 0) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export { DAY_MS };
