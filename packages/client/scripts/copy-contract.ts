import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The client validates events against the same zod schemas Vigil parses them with. The package cannot
 * import from Vigil's tree (it is built and published on its own), so these files are copied into it,
 * with their relative imports intact; test/client/contract.test.ts fails when a copy falls behind.
 */
export const CONTRACT_FILES = ['events/schema.ts', 'enrich/countries.ts', 'enrich/country-boxes.ts'];

const root = new URL('../../../', import.meta.url);
const header = (file: string) =>
  `// Copied from src/${file} by \`npm run client:contract\`; edit the original, not this copy.\n`;

/** What the copy of a contract file must hold: its header and the original, byte for byte. */
export function expectedCopy(file: string): string {
  return header(file) + readFileSync(new URL(`src/${file}`, root), 'utf8');
}

export const copyPath = (file: string) => new URL(`packages/client/src/contract/${file}`, root);

if (import.meta.main) {
  for (const file of CONTRACT_FILES) {
    const target = copyPath(file);
    mkdirSync(dirname(target.pathname), { recursive: true });
    writeFileSync(target, expectedCopy(file));
  }
}
