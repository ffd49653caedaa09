import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { eventJsonSchemas } from '../events/index.ts';

/** The flags `vigil schemas` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  out: { type: 'string', default: 'schemas' },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS });
  mkdirSync(values.out, { recursive: true });
  for (const [file, schema] of Object.entries(eventJsonSchemas())) {
    writeFileSync(join(values.out, file), `${JSON.stringify(schema, null, 2)}\n`);
  }
  return 0;
}
