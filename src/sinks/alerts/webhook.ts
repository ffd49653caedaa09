import { createHmac, timingSafeEqual } from 'node:crypto';
import { basicAuthOf, redactSecrets } from '../../config/redact.ts';
import type { Alert } from './alert.ts';

export const SIGNATURE_HEADER = 'vigil-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp inside the signature lets a
 * receiver refuse a replayed request as well as a forged one.
 */
export function signWebhook(body: string, secret: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(t, body, secret)}`;
}

const mac = (t: number, body: string, secret: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

/** For receivers: true when the body was signed with the secret within the tolerance. */
export function verifyWebhook(
  body: string,
  header: string,
  secret: string,
  options: { toleranceSeconds?: number; nowMs?: number } = {},
): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const ageSeconds = Math.abs((options.nowMs ?? Date.now()) / 1000 - t);
  if (ageSeconds > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(mac(t, body, secret));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * One page as JSON; `Idempotency-Key` is the decision id, the same on every redelivery. The URL is a
 * secret as a whole (it often holds the receiver's token), so errors never name it.
 */
export async function postWebhook(url: string, secret: string, alert: Alert): Promise<void> {
  const body = JSON.stringify({ version: 1, status: 'firing', alert });
  const target = basicAuthOf(url);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(body, secret),
        'idempotency-key': alert.annotations.decision_id ?? '',
        ...(target.authorization && { authorization: target.authorization }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`webhook: ${redactSecrets((error as Error).message)}`, { cause: error });
  }
  if (!response.ok) throw new Error(`webhook: HTTP ${response.status}`);
}
