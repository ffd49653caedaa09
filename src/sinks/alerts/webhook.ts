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

const mac = (t: number, body: string | Uint8Array, secret: string | Uint8Array) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

/**
 * Why a webhook request was refused: `no_secret` (the receiver has none to check with), `missing`
 * and `repeated` (the signature header), `malformed`, `stale` (outside the tolerance: perhaps
 * replayed), `bad_signature`.
 */
export const WEBHOOK_REJECTIONS = [
  'no_secret',
  'missing',
  'repeated',
  'malformed',
  'stale',
  'bad_signature',
] as const;
export type WebhookRejection = (typeof WEBHOOK_REJECTIONS)[number];

export type WebhookCheck = { ok: true } | { ok: false; code: WebhookRejection; reason: string };

export interface WebhookCheckOptions {
  /** How old (or how far ahead) a signature may be; 300 s by default. */
  readonly toleranceSeconds?: number;
  readonly nowMs?: number;
}

const reject = (code: WebhookRejection, reason: string): WebhookCheck => ({ ok: false, code, reason });

/**
 * For receivers: whether the raw body (string or bytes, before any parsing) was signed with the secret
 * within the tolerance. The header is taken as a framework hands it over (`undefined` when absent, an
 * array when repeated), and whatever it holds the answer is a refusal with its reason, never a throw.
 */
export function checkWebhook(
  body: unknown,
  header: unknown,
  secret: unknown,
  options: WebhookCheckOptions = {},
): WebhookCheck {
  if (!(typeof secret === 'string' || secret instanceof Uint8Array) || secret.length === 0)
    return reject('no_secret', 'no secret to check with');
  if (typeof body !== 'string' && !(body instanceof Uint8Array))
    return reject('malformed', 'the body must be the raw request body, a string or bytes');
  if (Array.isArray(header) && header.length > 1) return reject('repeated', `${SIGNATURE_HEADER} repeated`);
  const value: unknown = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === null || value === '')
    return reject('missing', `no ${SIGNATURE_HEADER}`);
  if (typeof value !== 'string') return reject('malformed', `${SIGNATURE_HEADER} is not text`);
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    const [name = '', field = ''] = part.trim().split('=', 2);
    // Two headers joined by a proxy ("t=…,v1=…, t=…,v1=…") show up as a repeated field.
    if (fields.has(name)) return reject('repeated', `${SIGNATURE_HEADER} repeats ${name}`);
    fields.set(name, field);
  }
  const t = fields.get('t') ?? '';
  const v1 = fields.get('v1') ?? '';
  if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(v1))
    return reject('malformed', `${SIGNATURE_HEADER} is not t=<seconds>,v1=<64 hex digits>`);
  const ageSeconds = Math.abs((options?.nowMs ?? Date.now()) / 1000 - Number(t));
  // Written as "not within" so that a NaN clock or tolerance refuses rather than accepts.
  if (!(ageSeconds <= (options?.toleranceSeconds ?? 300)))
    return reject('stale', `signed ${Math.round(ageSeconds)} s away from this clock, beyond the tolerance`);
  const expected = Buffer.from(mac(Number(t), body, secret), 'hex');
  return timingSafeEqual(Buffer.from(v1, 'hex'), expected)
    ? { ok: true }
    : reject('bad_signature', 'bad signature');
}

/** `checkWebhook` as a yes or no: true only when the body was signed with the secret within the tolerance. */
export function verifyWebhook(
  body: unknown,
  header: unknown,
  secret: unknown,
  options: WebhookCheckOptions = {},
): boolean {
  return checkWebhook(body, header, secret, options).ok;
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
