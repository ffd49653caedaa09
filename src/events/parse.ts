import type { z } from 'zod';
import { accessEventSchema, authEventSchema, type EventKind, type VigilEvent } from './schema.ts';

/** Why an event was refused; dead letters and their metric carry it. */
export const REJECTION_CODES = [
  'malformed',
  'invalid',
  'event_time_out_of_range',
  'processing_failed',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Bad input is a value, not an exception: the reason names the field and what is wrong with it. */
export type ParseResult =
  { ok: true; event: VigilEvent } | { ok: false; code: 'malformed' | 'invalid'; reason: string };

/**
 * Parses one event from raw bytes or text. `expected` is the kind its topic carries; without it
 * the kind comes from the `kind` field, else from `action` (access) or `type` (auth).
 */
export function parseEvent(raw: string | Uint8Array, expected?: EventKind): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'malformed', reason: `malformed JSON: ${(error as Error).message}` };
  }
  return validateEvent(value, expected);
}

export function validateEvent(value: unknown, expected?: EventKind): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'malformed', reason: 'expected a JSON object' };
  }
  const kind = expected ?? kindOf(value as Record<string, unknown>);
  if (!kind)
    return {
      ok: false,
      code: 'invalid',
      reason: 'kind: neither "type" (auth event) nor "action" (access event) is present',
    };
  const result = (kind === 'auth' ? authEventSchema : accessEventSchema).safeParse(value);
  if (!result.success) return { ok: false, code: 'invalid', reason: describeIssues(result.error.issues) };
  return { ok: true, event: { ...result.data, kind } as VigilEvent };
}

function kindOf(value: Record<string, unknown>): EventKind | undefined {
  if (value.kind === 'auth' || value.kind === 'access') return value.kind;
  if ('action' in value) return 'access';
  if ('type' in value) return 'auth';
  return undefined;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'event'}: ${issue.message}`)
    .join('; ');
}
