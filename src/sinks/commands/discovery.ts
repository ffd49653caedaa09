/**
 * The Transmitter Configuration Metadata of Shared Signals Framework 1.0 §7, which the ops port of a
 * processor that signs commands serves beside its JWKS. A receiver given the Issuer finds it, checks
 * that its `issuer` is that Issuer and every token's `iss`, and fetches the keys from `jwks_uri`.
 */
export interface TransmitterConfiguration {
  /** Where the ops port serves the document. */
  readonly path: string;
  readonly document: {
    readonly spec_version: '1_0';
    readonly issuer: string;
    readonly jwks_uri: string;
    readonly critical_subject_members: readonly string[];
    readonly [member: string]: unknown;
  };
}

/** The path the ops port serves its JWKS at; `jwks_uri` names it under the Issuer's origin. */
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * SSF 1.0 §7.2: the document sits at `/.well-known/ssf-configuration` inserted between the Issuer's host
 * and its path, if any, without the path's trailing "/". Delivery methods and the stream management
 * endpoints are there only when the SSF transmitter runs (`streams`); otherwise commands travel only on
 * a Kafka topic, which is none of the methods SSF defines (push, RFC 8935; poll, RFC 8936).
 */
export function transmitterConfiguration(
  issuer: string,
  streams: Record<string, unknown> = {},
): TransmitterConfiguration {
  const url = new URL(issuer);
  return {
    path: `/.well-known/ssf-configuration${url.pathname.replace(/\/+$/, '')}`,
    document: {
      spec_version: '1_0',
      issuer,
      jwks_uri: new URL(JWKS_PATH, url).href,
      // A receiver that cannot honour `session` would widen a one-session command to all the user's.
      critical_subject_members: ['user', 'session'],
      ...streams,
    },
  };
}
