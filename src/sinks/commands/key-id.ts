import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The members RFC 7638 §3.2 hashes for each key type, in the lexicographic order it requires: every
 * other member (`kid`, `alg`, `use`) is left out, so a key has one thumbprint wherever it is published.
 */
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  OKP: ['crv', 'kty', 'x'],
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
};

/** The RFC 7638 thumbprint of a public JWK (SHA-256, base64url), or nothing for a key type it does not cover. */
export function jwkThumbprint(jwk: Record<string, unknown>): string | undefined {
  const members = REQUIRED_MEMBERS[String(jwk.kty)];
  if (!members || members.some((name) => typeof jwk[name] !== 'string')) return undefined;
  const canonical = `{${members.map((name) => `"${name}":${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The thumbprint of a private key's public half: the key id `vigil keygen` gives a key. */
export function keyThumbprint(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  const thumbprint = jwkThumbprint(jwk);
  if (!thumbprint) throw new Error(`no RFC 7638 thumbprint for a ${String(jwk.kty)} key`);
  return thumbprint;
}

/** A published JWKS, as read from its file. */
export interface PublishedJwks {
  readonly file: string;
  readonly document: unknown;
}

const entriesOf = (document: unknown): Record<string, unknown>[] => {
  const keys = (document as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys)
    ? keys.filter((key): key is Record<string, unknown> => typeof key === 'object' && key !== null)
    : [];
};

/**
 * The key id commands carry: the configured one, else the id the published JWKS gives this key, else
 * its thumbprint. With a JWKS, the id must name this very key there, or receivers could not verify a
 * single command; the answer is then a reason, one line naming the setting to change.
 */
export function resolveKeyId(
  privateKey: KeyObject,
  configured: string | undefined,
  jwks: PublishedJwks | undefined,
): { keyId: string } | { problem: string } {
  const thumbprint = keyThumbprint(privateKey);
  if (!jwks) return { keyId: configured ?? thumbprint };
  const entries = entriesOf(jwks.document);
  const ids = entries.map((entry) => JSON.stringify(entry.kid)).join(', ') || 'no key';
  if (configured === undefined) {
    const mine = entries.find((entry) => jwkThumbprint(entry) === thumbprint);
    if (mine && typeof mine.kid === 'string') return { keyId: mine.kid };
    return {
      problem: `VIGIL_JWKS_FILE: ${jwks.file} does not publish the signing key (it holds ${ids}); publish the JWKS \`vigil keygen\` wrote with this key`,
    };
  }
  const named = entries.find((entry) => entry.kid === configured);
  if (!named)
    return {
      problem: `VIGIL_SIGNING_KEY_ID: key id ${JSON.stringify(configured)} is not in ${jwks.file} (it holds ${ids}); unset VIGIL_SIGNING_KEY_ID to use the published id`,
    };
  if (jwkThumbprint(named) !== thumbprint)
    return {
      problem: `VIGIL_SIGNING_KEY_ID: key ${JSON.stringify(configured)} of ${jwks.file} is another key than the signing key; receivers would reject every command`,
    };
  return { keyId: configured };
}
