import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import { keyThumbprint } from '../sinks/commands/key-id.ts';
import {
  generateSigningKey,
  publicJwks,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../sinks/commands/signing.ts';

const HELP = `usage: vigil keygen [--out DIR] [--kid ID] [--alg Ed25519|RS256]

Makes a key for signing commands: DIR/signing-key.pem (private, for VIGIL_SIGNING_KEY_FILE) and
DIR/jwks.json (public, for the services that verify commands). The algorithm is --alg, or else
VIGIL_SIGNING_ALGORITHM (Ed25519 by default); RS256 keys have 3072 bits. The key id is the key's
RFC 7638 thumbprint unless --kid names it; \`vigil run\` reads it from the jwks.json beside the key.`;

/** The flags `vigil keygen` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  out: { type: 'string', default: '.' },
  kid: { type: 'string' },
  alg: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: OPTIONS,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const algorithm = values.alg ?? loadConfig().commands.algorithm;
  if (!SIGNING_ALGORITHMS.includes(algorithm as SigningAlgorithm)) {
    throw new ConfigError([
      `--alg: expected ${SIGNING_ALGORITHMS.join(' or ')} (got ${JSON.stringify(algorithm)})`,
    ]);
  }
  const generated = generateSigningKey('', algorithm as SigningAlgorithm);
  const key = { ...generated, keyId: values.kid ?? keyThumbprint(generated.privateKey) };
  const keyFile = join(values.out, 'signing-key.pem');
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'signing-key.pem'), key.pem, { mode: 0o600 });
  writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify(publicJwks(key), null, 2)}\n`);
  process.stderr.write(
    `wrote ${keyFile} and jwks.json (key id ${key.keyId}); set VIGIL_SIGNING_KEY_FILE=${keyFile} VIGIL_SIGNING_ALGORITHM=${key.algorithm}\n`,
  );
  return 0;
}
