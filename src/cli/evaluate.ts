import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { evaluate, renderEvaluation, type Finding } from '../evaluate/evaluate.ts';
import { findingsFromSearch } from '../evaluate/from-search.ts';
import type { Population, Truth } from '../simulate/scenario.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const HELP = `usage: vigil evaluate --truth FILE [findings.ndjson | - | --from-search] [--json]

Scores findings against a ground truth from \`vigil simulate\`: recall per attack kind, precision,
recall and F1 per signal and per decision, false alerts per 1,000 users per day. Findings are
\`vigil replay\` output (a file or standard input) or, with --from-search, the signals and decisions
in the configured search engine.`;

/** The flags `vigil evaluate` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  truth: { type: 'string' },
  json: { type: 'boolean', default: false },
  'from-search': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help || !values.truth || positionals.length > 1) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  // Findings first: in `simulate | replay | evaluate` the truth file is complete once the stream ends.
  const findings = values['from-search'] ? await searchFindings() : await readFindings(positionals[0] ?? '-');
  const [population, ...truth] = readFileSync(values.truth, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Population | Truth);
  if (population?.kind !== 'population') {
    process.stderr.write(`vigil evaluate: ${values.truth} does not start with a population line\n`);
    return 2;
  }
  const result = evaluate(findings, population, truth as Truth[]);
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : renderEvaluation(result));
  return 0;
}

async function searchFindings(): Promise<Finding[]> {
  const settings = commandSettings();
  const notice = stackNotice(settings.stack);
  if (notice) process.stderr.write(`vigil evaluate: ${notice}\n`);
  await awaitDependencies(settings, { search: true });
  return findingsFromSearch(settings.config.search);
}

async function readFindings(file: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const lines = createInterface({
    input: file === '-' ? process.stdin : createReadStream(file),
    crlfDelay: Infinity,
  });
  for await (const line of lines) if (line.trim()) findings.push(JSON.parse(line) as Finding);
  return findings;
}
