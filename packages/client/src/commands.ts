import { z } from 'zod';

/** OpenID CAEP 1.0 events Vigil sends, and the SSF 1.0 events of stream management. */
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const ASSURANCE_LEVEL_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const STREAM_UPDATED = 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';

const opaque = z.object({ format: z.literal('opaque'), id: z.string().min(1) });

/**
 * What a receiver needs of a SET (RFC 8417 as SSF 1.0 profiles it), and no more: other members, and
 * members of the events, are allowed, so a transmitter may add to them without breaking receivers.
 */
export const setClaimsSchema = z.looseObject({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string()).min(1)]),
  iat: z.number().int(),
  jti: z.string().min(1),
  txn: z.string().optional(),
  sub_id: z.union([
    z.looseObject({ format: z.literal('complex'), user: opaque, session: opaque.optional() }),
    z.looseObject({ format: z.literal('opaque'), id: z.string().min(1) }),
  ]),
  events: z.record(z.string(), z.looseObject({ event_timestamp: z.number().int().optional() })),
});
export type SetClaims = z.infer<typeof setClaimsSchema>;

/** What a verified token asks of a service. */
export type Command =
  | {
      readonly kind: 'revoke' | 'step_up';
      readonly jti: string;
      readonly userId: string;
      /** Absent: every session of the user that began before `atMs`. */
      readonly sessionId?: string;
      /** The last ms of the second the transmitter decided in (`event_timestamp`, else `iat`). */
      readonly atMs: number;
      readonly claims: SetClaims;
    }
  | {
      readonly kind: 'verification';
      readonly jti: string;
      readonly streamId: string;
      readonly state?: string;
    }
  | {
      readonly kind: 'stream_updated';
      readonly jti: string;
      readonly streamId: string;
      readonly status?: string;
    };

/** The command a SET carries, or why it carries none this receiver understands. */
export function commandOf(claims: SetClaims): Command | { reason: string } {
  const types = Object.keys(claims.events);
  if (types.length !== 1) return { reason: `expected one event, found ${types.length}` };
  const type = types[0]!;
  const event = claims.events[type]!;
  const subject = claims.sub_id;
  if (type === VERIFICATION || type === STREAM_UPDATED) {
    if (subject.format !== 'opaque')
      return { reason: 'a stream event names its stream as an opaque subject' };
    const text = (name: string) => (typeof event[name] === 'string' ? (event[name] as string) : undefined);
    return type === VERIFICATION
      ? {
          kind: 'verification',
          jti: claims.jti,
          streamId: subject.id,
          ...(text('state') && { state: text('state') }),
        }
      : {
          kind: 'stream_updated',
          jti: claims.jti,
          streamId: subject.id,
          ...(text('status') && { status: text('status') }),
        };
  }
  if (subject.format !== 'complex') return { reason: 'expected a complex subject with a user' };
  // SET times are whole seconds: the decision is anywhere in its second, so all of it counts as before.
  const atMs = (event.event_timestamp ?? claims.iat) * 1000 + 999;
  const scope = {
    jti: claims.jti,
    userId: subject.user.id,
    ...(subject.session && { sessionId: subject.session.id }),
    atMs,
    claims,
  };
  if (type === SESSION_REVOKED) return { kind: 'revoke', ...scope };
  if (type === ASSURANCE_LEVEL_CHANGE) {
    // Only a decrease asks for anything; an increase is news, not an order.
    if (event.change_direction === 'increase') return { reason: 'an increase of assurance asks nothing' };
    return { kind: 'step_up', ...scope };
  }
  return { reason: `event type ${type} is not enforced here` };
}
