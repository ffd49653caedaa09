import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { eventJsonSchemas } from '../events/index.ts';

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'schemas' } } });
  mkdirSync(values.out, { recursive: true });
  for (const [file, schema] of Object.entries(eventJsonSchemas())) {
    writeFileSync(join(values.out, file), `${JSON.stringify(schema, null, 2)}\n`);
  }
  return 0;
}
