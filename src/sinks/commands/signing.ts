import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/** Ed25519 keys (JWS `EdDSA`, RFC 8037): small, fast, and no parameters to get wrong. */
export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

export function loadSigningKey(pem: string, keyId: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  }
  return { keyId, privateKey };
}

export function generateSigningKey(keyId: string): SigningKey & { pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/** The public half, as receivers fetch it (JWKS, RFC 7517). */
export function publicJwks(...keys: SigningKey[]): { keys: PublicJwk[] } {
  return {
    keys: keys.map(({ keyId, privateKey }) => {
      const { x } = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
      return { kty: 'OKP', crv: 'Ed25519', x, kid: keyId, alg: 'EdDSA', use: 'sig' };
    }),
  };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS over `payload` with the given `typ`. */
export function signJws(payload: object, key: SigningKey, typ: string): string {
  const input = `${base64url({ alg: 'EdDSA', typ, kid: key.keyId })}.${base64url(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export type VerifyResult =
  | { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; reason: string };

/** Checks a compact JWS against a JWKS: the key named by `kid`, EdDSA only. */
export function verifyJws(token: string, jwks: { keys: readonly PublicJwk[] }): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a compact JWS' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'header or payload is not base64url JSON' };
  }
  if (header.alg !== 'EdDSA') return { ok: false, reason: `unexpected alg ${String(header.alg)}` };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) return { ok: false, reason: `unknown key id ${String(header.kid)}` };
  const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
  const valid = verify(
    null,
    Buffer.from(`${headerPart}.${payloadPart}`),
    publicKey,
    Buffer.from(signaturePart, 'base64url'),
  );
  return valid ? { ok: true, header, payload } : { ok: false, reason: 'bad signature' };
}
