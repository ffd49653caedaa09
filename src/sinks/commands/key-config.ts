import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type Config } from '../../config/index.ts';
import { resolveKeyId, type PublishedJwks } from './key-id.ts';
import { loadSigningKey, type SigningKey } from './signing.ts';

/** The key that signs commands, from VIGIL_SIGNING_KEY or VIGIL_SIGNING_KEY_FILE; required to publish. */
export function signingKeyFromConfig(config: Config['commands']): SigningKey {
  let pem = config.signingKey;
  if (!pem && config.signingKeyFile) {
    try {
      pem = readFileSync(config.signingKeyFile, 'utf8');
    } catch (error) {
      throw new ConfigError([
        `VIGIL_SIGNING_KEY_FILE: cannot read ${config.signingKeyFile}: ${(error as Error).message}`,
      ]);
    }
  }
  if (!pem) {
    throw new ConfigError([
      'VIGIL_SIGNING_KEY or VIGIL_SIGNING_KEY_FILE: required to sign revocation and step-up commands (`vigil keygen` makes a key)',
    ]);
  }
  let key: SigningKey;
  try {
    key = loadSigningKey(pem, config.keyId ?? '', config.algorithm);
  } catch (error) {
    const source = config.signingKey ? 'VIGIL_SIGNING_KEY' : 'VIGIL_SIGNING_KEY_FILE';
    throw new ConfigError([
      `${source}: not a usable private key for VIGIL_SIGNING_ALGORITHM=${config.algorithm} (${(error as Error).message}; \`vigil keygen --alg ${config.algorithm}\` makes one)`,
    ]);
  }
  const resolved = resolveKeyId(key.privateKey, config.keyId, publishedJwks(config));
  if ('problem' in resolved) throw new ConfigError([resolved.problem]);
  return { ...key, keyId: resolved.keyId };
}

/** VIGIL_JWKS_FILE, else the `jwks.json` that `vigil keygen` wrote beside the key file, when there is one. */
function publishedJwks(config: Config['commands']): PublishedJwks | undefined {
  const beside =
    !config.signingKey && config.signingKeyFile
      ? join(dirname(config.signingKeyFile), 'jwks.json')
      : undefined;
  const file = config.jwksFile ?? (beside && existsSync(beside) ? beside : undefined);
  if (!file) return undefined;
  try {
    return { file, document: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  } catch (error) {
    throw new ConfigError([`VIGIL_JWKS_FILE: cannot read ${file} as JSON: ${(error as Error).message}`]);
  }
}
