import { z } from 'zod';
import { SEVERITIES } from '../../config/schema.ts';
import { SIGNAL_TYPES } from '../../detect/signal-types.ts';

/**
 * The payload of Vigil's commands: a Security Event Token (RFC 8417) as Shared Signals Framework 1.0
 * profiles it (no `exp`, no `sub`, `txn` set), with one OpenID CAEP 1.0 event.
 */
const subjectId = z.object({ format: z.literal('opaque'), id: z.string().min(1) });

const signalEvidence = z.object({
  id: z.string(),
  type: z.enum(SIGNAL_TYPES),
  severity: z.enum(SEVERITIES),
  score: z.number().min(0).max(1),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

const caepCommon = {
  event_timestamp: z
    .number()
    .int()
    .describe(
      "When the revocation or the change of assurance occurred: the decision (seconds since the epoch). The triggering event's own time is vigil_decision.event_occurred_at.",
    ),
  initiating_entity: z.literal('policy'),
  reason_admin: z.object({ en: z.string().min(1) }).describe('The signals, in words, for administrators.'),
  vigil_decision: z
    .object({
      action: z.enum(['step_up', 'revoke_sessions']),
      risk: z.number().min(0).max(1),
      rule: z.string().optional(),
      event_id: z.string(),
      event_occurred_at: z.iso
        .datetime({ offset: true })
        .describe('When the triggering event occurred (ISO 8601), as it said.'),
      event_session_id: z
        .string()
        .optional()
        .describe('The session the triggering event named, whether or not the command is limited to it.'),
      signals: z.array(signalEvidence).min(1),
    })
    .describe('What Vigil saw: the signals with their evidence.'),
};

export const securityEventSchema = z
  .object({
    iss: z.string().describe("The transmitter's Issuer: an https URL, as in its SSF configuration document."),
    aud: z.union([z.string(), z.array(z.string()).min(1)]),
    iat: z
      .number()
      .int()
      .describe(
        'When the token was signed; SSF 1.0 SETs carry no expiry, so receivers judge freshness from this.',
      ),
    jti: z.string().describe('The decision id: the same on every redelivery, so receivers can deduplicate.'),
    txn: z.string().describe('The id of the event that caused the decision, for correlation.'),
    sub_id: z
      .object({
        format: z.literal('complex'),
        user: subjectId,
        session: subjectId.optional(),
      })
      .describe(
        'SSF 1.0 complex subject. With `session`: that session of the user only. Without: every session of the user.',
      ),
    events: z.union([
      z
        .object({
          'https://schemas.openid.net/secevent/caep/event-type/session-revoked': z.object(caepCommon),
        })
        .strict(),
      z
        .object({
          'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change': z.object({
            ...caepCommon,
            namespace: z.literal('NIST-AAL'),
            previous_level: z.literal('nist-aal2'),
            current_level: z.literal('nist-aal1'),
            change_direction: z.literal('decrease'),
          }),
        })
        .strict(),
    ]),
  })
  .meta({ title: 'Vigil command: Security Event Token claims' });

export type SecurityEventClaims = z.infer<typeof securityEventSchema>;
