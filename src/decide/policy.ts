import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/load.ts';
import { SIGNAL_TYPES } from '../detect/signal.ts';

export const ACTIONS = ['allow', 'step_up', 'revoke_sessions'] as const;
export type Action = (typeof ACTIONS)[number];

const signalType = z.enum(SIGNAL_TYPES);

/**
 * Maps an event's signals to one action. Rules are read in order and the first match wins;
 * a rule matches when the event's risk reaches `minRisk`, the user's accumulated risk reaches
 * `minAccumulatedRisk`, and every signal of `signals` is present.
 */
export const policySchema = z.object({
  weights: z.partialRecord(signalType, z.number().min(0).max(1)).default({}),
  rules: z
    .array(
      z
        .object({
          action: z.enum(ACTIONS),
          minRisk: z.number().min(0).max(1).optional(),
          /** The user's risk built up over time (this event's signals and earlier ones, decayed). */
          minAccumulatedRisk: z.number().min(0).max(1).optional(),
          signals: z.array(signalType).min(1).optional(),
          description: z.string().optional(),
        })
        .refine(
          (rule) =>
            rule.minRisk !== undefined || rule.minAccumulatedRisk !== undefined || rule.signals !== undefined,
          'a rule needs minRisk, minAccumulatedRisk or signals',
        ),
    )
    .min(1),
});

export type Policy = z.infer<typeof policySchema>;

export const DEFAULT_POLICY: Policy = {
  weights: {},
  rules: [
    { action: 'revoke_sessions', minRisk: 0.85, description: 'near-certain takeover' },
    {
      action: 'revoke_sessions',
      signals: ['impossible_travel', 'new_device'],
      description: 'a device never seen, from where the user cannot be',
    },
    {
      action: 'revoke_sessions',
      minAccumulatedRisk: 0.9,
      description: 'signals adding up within hours to a takeover',
    },
    { action: 'step_up', minRisk: 0.5, description: 'ask for fresh MFA' },
    {
      action: 'step_up',
      minAccumulatedRisk: 0.6,
      description: 'signals adding up within hours: ask for fresh MFA',
    },
  ],
};

export function loadPolicy(file: string | undefined): Policy {
  if (!file) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      `VIGIL_POLICY_FILE: cannot read ${file}: ${(error as Error).message.split('\n')[0]}`,
    ]);
  }
  const result = policySchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${file}: ${issue.path.join('.') || 'policy'}: ${issue.message}`),
  );
}
