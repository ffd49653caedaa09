import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../../config/index.ts';
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
  try {
    return loadSigningKey(pem, config.keyId, config.algorithm);
  } catch (error) {
    const source = config.signingKey ? 'VIGIL_SIGNING_KEY' : 'VIGIL_SIGNING_KEY_FILE';
    throw new ConfigError([
      `${source}: not a usable private key for VIGIL_SIGNING_ALGORITHM=${config.algorithm} (${(error as Error).message}; \`vigil keygen --alg ${config.algorithm}\` makes one)`,
    ]);
  }
}
