import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import {
  generateSigningKey,
  publicJwks,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '../sinks/commands/signing.ts';

const HELP = `usage: vigil keygen [--out DIR] [--kid ID] [--alg Ed25519|RS256]

Makes a key for signing commands: DIR/signing-key.pem (private, for VIGIL_SIGNING_KEY_FILE) and
DIR/jwks.json (public, for the services that verify commands). The algorithm is --alg, or else
VIGIL_SIGNING_ALGORITHM (Ed25519 by default); RS256 keys have 3072 bits.`;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: '.' },
      kid: { type: 'string', default: `vigil-${new Date().toISOString().slice(0, 10)}` },
      alg: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
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
  const key = generateSigningKey(values.kid, algorithm as SigningAlgorithm);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'signing-key.pem'), key.pem, { mode: 0o600 });
  writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify(publicJwks(key), null, 2)}\n`);
  process.stderr.write(
    `wrote ${join(values.out, 'signing-key.pem')} and jwks.json; set VIGIL_SIGNING_KEY_ID=${values.kid} VIGIL_SIGNING_ALGORITHM=${key.algorithm}\n`,
  );
  return 0;
}
