// Copied from src/events/schema.ts by `npm run client:contract`; edit the original, not this copy.
import { z } from 'zod';
import { COUNTRY_CODES } from '../enrich/countries.ts';

/** The input contract, v1: one JSON object per event. Field names are part of the contract. */

/** A billion records, a petabyte: far beyond any one export, far below where sums lose precision. */
export const MAX_RECORDS = 1_000_000_000;
export const MAX_BYTES = 1e15;

const ip = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });
const id = z.string().min(1).max(256);
const occurredAt = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a zone' });

/**
 * Coordinates resolved by the emitter (for example from a device's GPS). Vigil takes them over GeoIP
 * only from the services named in VIGIL_TRUSTED_GEO_SERVICES; from any other they are ignored.
 */
const geo = z
  .object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    // GeoLite2's coarsest radius is 1,000 km (a country's centre); a wider one would cancel any travel.
    accuracy_km: z.number().nonnegative().max(1000).optional(),
    country: z
      .enum(COUNTRY_CODES, { error: 'expected an assigned ISO 3166-1 alpha-2 code in capitals, e.g. "BR"' })
      .optional(),
    city: z.string().max(256).optional(),
  })
  .describe("Trusted only from services named in Vigil's VIGIL_TRUSTED_GEO_SERVICES; otherwise ignored.");

const common = {
  event_id: id.describe('Unique per event; redelivery of the same id changes nothing.'),
  occurred_at: occurredAt.describe('When it happened at the source, not when Vigil received it.'),
  user_id: id,
  user_name: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('The sign-in name people know the user by; search shows user_id when absent.'),
  // Deliberately loose: a stricter address grammar would refuse whole events over a display field.
  user_email: z
    .string()
    .max(320)
    .regex(/^[^\s@]+@[^\s@]+$/, { error: 'expected an e-mail address, e.g. "ana@example.com"' })
    .optional(),
  user_group: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe("The user's team or directory group: an allowlist entry of group scope covers its users."),
  ip,
  session_id: id.optional(),
  device_id: id.optional(),
  user_agent: z.string().max(2048).optional(),
  service: z.string().max(256).optional(),
  geo: geo.optional(),
};

export const AUTH_TYPES = [
  'login_success',
  'login_failure',
  'mfa_success',
  'mfa_failure',
  'token_refresh',
  'logout',
] as const;
export const ACCESS_ACTIONS = ['read', 'export', 'download', 'write', 'delete'] as const;

export const authEventSchema = z
  .object({
    kind: z.literal('auth').optional(),
    ...common,
    type: z.enum(AUTH_TYPES),
  })
  .meta({ title: 'Vigil auth event v1' });

export const accessEventSchema = z
  .object({
    kind: z.literal('access').optional(),
    ...common,
    action: z.enum(ACCESS_ACTIONS),
    resource: z.string().min(1).max(1024),
    // Bounded to what one real export can be, so every sum Vigil keeps stays an exact integer.
    records: z.number().int().nonnegative().max(MAX_RECORDS),
    bytes: z.number().int().nonnegative().max(MAX_BYTES).optional(),
  })
  .meta({ title: 'Vigil access event v1' });

export type AuthEvent = z.infer<typeof authEventSchema> & { kind: 'auth' };
export type AccessEvent = z.infer<typeof accessEventSchema> & { kind: 'access' };
export type VigilEvent = AuthEvent | AccessEvent;
export type EventKind = VigilEvent['kind'];
export type AuthType = (typeof AUTH_TYPES)[number];
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
