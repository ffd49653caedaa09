import { z } from 'zod';
import { cidr } from '../config/checks.ts';
import { SIGNAL_TYPES } from '../detect/signal-types.ts';
import { COUNTRY_CODES } from '../enrich/countries.ts';

/**
 * An analyst's verdict on a decision Vigil made, v1: `confirmed` (a takeover) or `benign` (the user,
 * a new laptop, a trip). It arrives on the feedback topic (a chat bot, a SOAR, a ticket system) or from
 * `vigil feedback`, keyed by user like events, and is validated as they are.
 */
const DAY_MS = 86_400_000;
/** An allowlist entry without an end is not accepted: one is forgotten, and then it hides a takeover. */
export const DEFAULT_ALLOW_DAYS = 30;
export const MAX_ALLOW_DAYS = 365;

const id = z.string().min(1).max(256);

export const feedbackSchema = z
  .object({
    kind: z.literal('feedback').optional(),
    feedback_id: id.describe('Unique per verdict; the same verdict sent again changes nothing.'),
    occurred_at: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a zone' })
      .describe('When the analyst gave the verdict.'),
    user_id: id,
    decision_id: z.string().min(1).max(64).describe('The `id` of the decision judged.'),
    verdict: z.enum(['confirmed', 'benign']),
    decision_action: z
      .enum(['allow', 'step_up', 'revoke_sessions'])
      .optional()
      .describe(
        'The action of the decision judged: a confirmed takeover already revoked is not revoked again.',
      ),
    analyst: z.string().min(1).max(128).describe('Who gave the verdict; an allowlist entry is theirs.'),
    reason: z.string().min(1).max(256),
    device_id: id
      .optional()
      .describe('benign: the device becomes known for the user; confirmed: it is marked compromised.'),
    country: z
      .enum(COUNTRY_CODES, { error: 'expected an assigned ISO 3166-1 alpha-2 code in capitals, e.g. "BR"' })
      .optional()
      .describe('benign: the country becomes known for the user.'),
    allowlist: z
      .object({
        scope: z
          .enum(['user', 'network', 'group'])
          .describe('The user, the user from one address range, or every user of a group.'),
        network: cidr.optional().describe('For the network scope: the range, as a CIDR.'),
        group: id.optional().describe("For the group scope: the group, as events' `user_group` names it."),
        signals: z
          .array(z.enum(SIGNAL_TYPES))
          .min(1)
          .optional()
          .describe('The signals it quiets; all when absent.'),
        expires_at: z.iso
          .datetime({ offset: true })
          .optional()
          .describe(`When it stops acting; ${DEFAULT_ALLOW_DAYS} days after the verdict when absent.`),
      })
      .refine((entry) => (entry.scope === 'network') === (entry.network !== undefined), {
        message: 'a network entry needs a network, and only a network entry has one',
        path: ['network'],
      })
      .refine((entry) => (entry.scope === 'group') === (entry.group !== undefined), {
        message: 'a group entry needs a group, and only a group entry has one',
        path: ['group'],
      })
      .optional()
      .describe('benign only: quiet these signals for the user (or group) until the entry expires.'),
  })
  .refine((feedback) => feedback.verdict === 'benign' || feedback.allowlist === undefined, {
    message: 'only benign feedback creates an allowlist entry',
    path: ['allowlist'],
  })
  .refine(
    (feedback) => {
      const expires = feedback.allowlist?.expires_at;
      if (!expires) return true;
      const span = Date.parse(expires) - Date.parse(feedback.occurred_at);
      return span > 0 && span <= MAX_ALLOW_DAYS * DAY_MS;
    },
    {
      message: `expires_at must be after occurred_at, and at most ${MAX_ALLOW_DAYS} days after`,
      path: ['allowlist', 'expires_at'],
    },
  )
  .meta({ title: 'Vigil feedback v1' });

export type Feedback = z.infer<typeof feedbackSchema>;

export type FeedbackParse =
  { ok: true; feedback: Feedback } | { ok: false; code: 'malformed' | 'invalid'; reason: string };

/** Bad feedback is a value with the field and what is wrong with it, as for events. */
export function parseFeedback(raw: string | Uint8Array): FeedbackParse {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'malformed', reason: `malformed JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, code: 'malformed', reason: 'expected a JSON object' };
  const result = feedbackSchema.safeParse(value);
  if (result.success) return { ok: true, feedback: result.data };
  return {
    ok: false,
    code: 'invalid',
    reason: result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.length ? issue.path.join('.') : 'feedback'}: ${issue.message}`)
      .join('; '),
  };
}

/** When an allowlist entry stops acting (ms). */
export function allowExpiresMs(feedback: Feedback): number | undefined {
  const entry = feedback.allowlist;
  if (!entry) return undefined;
  return entry.expires_at
    ? Date.parse(entry.expires_at)
    : Date.parse(feedback.occurred_at) + DEFAULT_ALLOW_DAYS * DAY_MS;
}
