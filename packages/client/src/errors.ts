/**
 * Why the client refused or failed, as data: `invalid_event` (the event breaks Vigil's v1 contract;
 * `reason` names the field), `closed` (the emitter or enforcer was closed), `send_failed` (Kafka did
 * not take a batch after its retries), `jwks_unavailable` (the keys could not be fetched, so a token
 * could be judged neither way; it is retried, never dropped), `ssf_failed` (the transmitter refused a
 * stream request).
 */
export const CLIENT_ERROR_CODES = [
  'invalid_event',
  'closed',
  'send_failed',
  'jwks_unavailable',
  'ssf_failed',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export class VigilClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigilClientError';
    this.code = code;
  }
}
