import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { dashboardFiles } from '../dashboards/index.ts';

const HELP = `usage: vigil dashboards [--out dashboards] [--index-prefix vigil]

Writes the Grafana dashboards and the Kibana saved objects for an index prefix (the shipped files
use "vigil"). Import the Kibana objects with \`vigil setup --kibana URL\`.`;

/** The flags `vigil dashboards` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  out: { type: 'string', default: 'dashboards' },
  'index-prefix': { type: 'string', default: 'vigil' },
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
  for (const [path, content] of Object.entries(dashboardFiles(values['index-prefix']))) {
    const file = join(values.out, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return 0;
}
