import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * The JWS algorithms Vigil signs with. `Ed25519` (RFC 9864, which deprecates the polymorphic `EdDSA`
 * name for it): small, fast, and no parameters to get wrong. `RS256` with a key of at least 2048 bits,
 * which the CAEP Interoperability Profile 1.0 (§ Event Signatures) requires of every event.
 */
export const SIGNING_ALGORITHMS = ['Ed25519', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** RFC 7518 §3.3: RS256 keys of fewer bits must not be used. */
export const MIN_RSA_BITS = 2048;
/** What `generateSigningKey` makes for RS256: 128-bit security (NIST SP 800-57 Part 1, Table 2). */
const GENERATED_RSA_BITS = 3072;

/** The Node key type each algorithm signs with. */
const KEY_TYPES: Record<SigningAlgorithm, string> = { Ed25519: 'ed25519', RS256: 'rsa' };

export interface SigningKey {
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

export type PublicJwk =
  | {
      readonly kty: 'OKP';
      readonly crv: 'Ed25519';
      readonly x: string;
      readonly kid: string;
      readonly alg: 'Ed25519';
      readonly use: 'sig';
    }
  | {
      readonly kty: 'RSA';
      readonly n: string;
      readonly e: string;
      readonly kid: string;
      readonly alg: 'RS256';
      readonly use: 'sig';
    };

/** A PEM private key for `algorithm`; throws, saying why, when the key is of another type or too small. */
export function loadSigningKey(pem: string, keyId: string, algorithm: SigningAlgorithm): SigningKey {
  const privateKey = createPrivateKey(pem);
  const type = privateKey.asymmetricKeyType;
  if (type !== KEY_TYPES[algorithm]) {
    throw new Error(`${algorithm} signs with an ${KEY_TYPES[algorithm]} key, and this one is ${type}`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (algorithm === 'RS256' && bits < MIN_RSA_BITS) {
    throw new Error(`an RS256 key needs at least ${MIN_RSA_BITS} bits, and this one has ${bits}`);
  }
  return { keyId, algorithm, privateKey };
}

export function generateSigningKey(
  keyId: string,
  algorithm: SigningAlgorithm = 'Ed25519',
): SigningKey & { pem: string } {
  const { privateKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: GENERATED_RSA_BITS })
      : generateKeyPairSync('ed25519');
  return {
    keyId,
    algorithm,
    privateKey,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** The public half, as receivers fetch it (JWKS, RFC 7517), each key naming the one algorithm it is for. */
export function publicJwks(...keys: SigningKey[]): { keys: PublicJwk[] } {
  return {
    keys: keys.map(({ keyId, algorithm, privateKey }): PublicJwk => {
      const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
      return algorithm === 'RS256'
        ? { kty: 'RSA', n: jwk.n!, e: jwk.e!, kid: keyId, alg: 'RS256', use: 'sig' }
        : { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid: keyId, alg: 'Ed25519', use: 'sig' };
    }),
  };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The digest Node's `sign` and `verify` take for each algorithm; Ed25519 hashes internally. */
const DIGESTS: Record<SigningAlgorithm, string | null> = { Ed25519: null, RS256: 'sha256' };

/** A compact JWS over `payload` with the given `typ`, signed with the key's algorithm. */
export function signJws(payload: object, key: SigningKey, typ: string): string {
  const input = `${base64url({ alg: key.algorithm, typ, kid: key.keyId })}.${base64url(payload)}`;
  return `${input}.${sign(DIGESTS[key.algorithm], Buffer.from(input), key.privateKey).toString('base64url')}`;
}
/**
 * Why a token was refused, as data: `malformed` (not a compact JWS of JSON objects in canonical
 * base64url), `unsupported` (an algorithm, critical extension or type this verifier does not take),
 * `unknown_key` (no key of that id), `bad_key` (the JWKS entry is not a public key for the token's
 * algorithm: another type, another `alg`, or an RSA key under 2048 bits), `bad_signature`.
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

const isSigningAlgorithm = (alg: unknown): alg is SigningAlgorithm =>
  SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm);

/**
 * The public key of a JWKS entry for `algorithm`, or nothing when the entry is not such a key. An
 * entry's `alg`, when given, must be that algorithm: a key is used for the one algorithm it names.
 */
function publicKeyOf(jwk: Record<string, unknown>, algorithm: SigningAlgorithm): KeyObject | undefined {
  if ((jwk.alg ?? algorithm) !== algorithm || (jwk.use ?? 'sig') !== 'sig') return undefined;
  try {
    if (algorithm === 'Ed25519') {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return undefined;
      if (canonicalBase64url(jwk.x)?.length !== 32) return undefined;
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    }
    if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return undefined;
    if (!canonicalBase64url(jwk.n) || !canonicalBase64url(jwk.e)) return undefined;
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a compact JWS against a JWKS: the key named by `kid`, Ed25519 or RS256 only. Both come from
 * outside (a message, a fetched document), so anything at all may be passed; the answer is then a
 * refusal with its reason, never an exception.
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
  const algorithm = header.alg;
  if (!isSigningAlgorithm(algorithm)) return reject('unsupported', `unexpected alg ${describe(algorithm)}`);
  // RFC 7515 §4.1.11: an extension marked critical must be understood, and this verifier knows none.
  if (header.crit !== undefined)
    return reject('unsupported', `critical header parameters not understood: ${describe(header.crit)}`);
  if (typeof header.kid !== 'string') return reject('unknown_key', 'no key id');
  const keys = isObject(jwks) && Array.isArray(jwks.keys) ? (jwks.keys as unknown[]) : [];
  const jwk = keys.find((key): key is Record<string, unknown> => isObject(key) && key.kid === header.kid);
  if (!jwk) return reject('unknown_key', `unknown key id ${header.kid}`);
  const publicKey = publicKeyOf(jwk, algorithm);
  if (!publicKey)
    return reject('bad_key', `key ${header.kid} of the JWKS is not an ${algorithm} signing key`);
  let valid = false;
  try {
    valid = verify(DIGESTS[algorithm], Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature);
  } catch {
    // A signature of the wrong length; refused as any other bad signature.
  }
  return valid ? { ok: true, header, payload } : reject('bad_signature', 'bad signature');
}

/** A header value in a reason: short, and printable whatever it was. */
const describe = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value).slice(0, 80));
