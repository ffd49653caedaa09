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
    return loadSigningKey(pem, config.keyId);
  } catch (error) {
    throw new ConfigError([
      `VIGIL_SIGNING_KEY: not a usable Ed25519 private key (${(error as Error).message})`,
    ]);
  }
}
