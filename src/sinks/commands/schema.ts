import { z } from 'zod';
import { SEVERITIES } from '../../config/schema.ts';

/** The payload of Vigil's commands: a Security Event Token (RFC 8417) with one OpenID CAEP event. */
const subjectId = z.object({ format: z.literal('opaque'), id: z.string().min(1) });

const signalEvidence = z.object({
  id: z.string(),
  type: z.string(),
  severity: z.enum(SEVERITIES),
  score: z.number().min(0).max(1),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

const caepCommon = {
  event_timestamp: z.number().int().describe('When the triggering event occurred (seconds since the epoch).'),
  initiating_entity: z.literal('policy'),
  reason_admin: z.object({ en: z.string() }).describe('The signals, in words, for administrators.'),
  vigil_decision: z
    .object({
      action: z.enum(['step_up', 'revoke_sessions']),
      risk: z.number().min(0).max(1),
      rule: z.string().optional(),
      event_id: z.string(),
      signals: z.array(signalEvidence).min(1),
    })
    .describe('What Vigil saw: the signals with their evidence.'),
};

export const securityEventSchema = z
  .object({
    iss: z.string(),
    aud: z.union([z.string(), z.array(z.string()).min(1)]),
    iat: z.number().int(),
    exp: z.number().int(),
    jti: z.string().describe('The decision id: the same on every redelivery, so receivers can deduplicate.'),
    sub_id: z.object({
      format: z.literal('complex'),
      user: subjectId,
      session: subjectId.optional(),
    }),
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
