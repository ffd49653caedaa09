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

/**
 * Why a token was refused, as data: `malformed` (not a compact JWS of JSON objects in canonical
 * base64url), `unsupported` (an algorithm, critical extension or type this verifier does not take),
 * `unknown_key` (no key of that id), `bad_key` (the JWKS entry is not an Ed25519 public key),
 * `bad_signature`.
 */
export const JWS_REJECTIONS = [
  'malformed',
  'unsupported',
  'unknown_key',
  'bad_key',
  'bad_signature',
] as const;
export type JwsRejection = (typeof JWS_REJECTIONS)[number];

export type VerifyResult =
  | { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; code: JwsRejection; reason: string };

const reject = (code: JwsRejection, reason: string) => ({ ok: false, code, reason }) as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The bytes of a base64url segment, or nothing when it is not written the one way an encoder writes
 * it: Node's decoder skips foreign characters and ignores spare bits, so two different strings could
 * otherwise carry one signature.
 */
function canonicalBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonObjectOf(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The public key of a JWKS entry, or nothing when the entry is not an Ed25519 signing key. */
function publicKeyOf(jwk: Record<string, unknown>): KeyObject | undefined {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return undefined;
  if ((jwk.alg ?? 'EdDSA') !== 'EdDSA' || (jwk.use ?? 'sig') !== 'sig') return undefined;
  if (canonicalBase64url(jwk.x)?.length !== 32) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * Checks a compact JWS against a JWKS: the key named by `kid`, EdDSA only. Both come from outside
 * (a message, a fetched document), so anything at all may be passed; the answer is then a refusal
 * with its reason, never an exception.
 */
export function verifyJws(token: unknown, jwks: unknown): VerifyResult {
  if (typeof token !== 'string') return reject('malformed', 'not a compact JWS');
  const parts = token.split('.');
  if (parts.length !== 3) return reject('malformed', 'not a compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerBytes = canonicalBase64url(headerPart);
  const payloadBytes = canonicalBase64url(payloadPart);
  const signature = canonicalBase64url(signaturePart);
  if (!headerBytes || !payloadBytes) return reject('malformed', 'header or payload is not base64url JSON');
  if (!signature) return reject('malformed', 'signature is not canonical base64url');
  const header = jsonObjectOf(headerBytes);
  const payload = jsonObjectOf(payloadBytes);
  if (!header || !payload) return reject('malformed', 'header or payload is not base64url JSON');
  if (header.alg !== 'EdDSA') return reject('unsupported', `unexpected alg ${describe(header.alg)}`);
  // RFC 7515 §4.1.11: an extension marked critical must be understood, and this verifier knows none.
  if (header.crit !== undefined)
    return reject('unsupported', `critical header parameters not understood: ${describe(header.crit)}`);
  if (typeof header.kid !== 'string') return reject('unknown_key', 'no key id');
  const keys = isObject(jwks) && Array.isArray(jwks.keys) ? (jwks.keys as unknown[]) : [];
  const jwk = keys.find((key): key is Record<string, unknown> => isObject(key) && key.kid === header.kid);
  if (!jwk) return reject('unknown_key', `unknown key id ${header.kid}`);
  const publicKey = publicKeyOf(jwk);
  if (!publicKey) return reject('bad_key', `key ${header.kid} of the JWKS is not an Ed25519 signing key`);
  let valid = false;
  try {
    valid = verify(null, Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature);
  } catch {
    // A signature of the wrong length; refused as any other bad signature.
  }
  return valid ? { ok: true, header, payload } : reject('bad_signature', 'bad signature');
}

/** A header value in a reason: short, and printable whatever it was. */
const describe = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value).slice(0, 80));
