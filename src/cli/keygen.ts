import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKey, publicJwks } from '../sinks/commands/signing.ts';

const HELP = `usage: vigil keygen [--out DIR] [--kid ID]

Makes an Ed25519 key for signing commands: DIR/signing-key.pem (private, for VIGIL_SIGNING_KEY_FILE)
and DIR/jwks.json (public, for the services that verify commands).`;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: '.' },
      kid: { type: 'string', default: `vigil-${new Date().toISOString().slice(0, 10)}` },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const key = generateSigningKey(values.kid);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'signing-key.pem'), key.pem, { mode: 0o600 });
  writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify(publicJwks(key), null, 2)}\n`);
  process.stderr.write(
    `wrote ${join(values.out, 'signing-key.pem')} and jwks.json; set VIGIL_SIGNING_KEY_ID=${values.kid}\n`,
  );
  return 0;
}
