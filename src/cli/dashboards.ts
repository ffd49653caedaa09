import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { dashboardFiles } from '../dashboards/index.ts';

const HELP = `usage: vigil dashboards [--out dashboards] [--index-prefix vigil]

Writes the Grafana dashboards and the Kibana saved objects for an index prefix (the shipped files
use "vigil"). Import the Kibana objects with \`vigil setup --kibana URL\`.`;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: 'dashboards' },
      'index-prefix': { type: 'string', default: 'vigil' },
      help: { type: 'boolean', default: false },
    },
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
