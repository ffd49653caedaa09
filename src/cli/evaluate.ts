import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { analystVerdicts, evaluate, renderEvaluation, type Finding } from '../evaluate/evaluate.ts';
import { findingsFromSearch } from '../evaluate/from-search.ts';
import type { Population, Trap, Truth } from '../simulate/scenario.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const HELP = `usage: vigil evaluate --truth FILE [findings.ndjson | - | --from-search] [--json]
                      [--analyst-out FILE]

Scores findings against a ground truth from \`vigil simulate\`: recall per attack kind, precision,
recall and F1 per signal and per decision, false alerts per 1,000 users per day. Findings are
\`vigil replay\` output (a file or standard input) or, with --from-search, the signals and decisions
in the configured search engine.

--analyst-out writes the verdicts a perfect analyst would give an hour after each decision that acted
(confirmed for an attack's, benign with an allowlist entry otherwise): replay them with the events,
\`vigil replay --feedback FILE\`, and evaluate again to see what feedback changes.`;

/** The flags `vigil evaluate` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  truth: { type: 'string' },
  json: { type: 'boolean', default: false },
  'from-search': { type: 'boolean', default: false },
  'analyst-out': { type: 'string' },
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
  const [population, ...labels] = readFileSync(values.truth, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Population | Truth | Trap);
  if (population?.kind !== 'population') {
    process.stderr.write(`vigil evaluate: ${values.truth} does not start with a population line\n`);
    return 2;
  }
  const truth = labels.filter((label): label is Truth => label.kind === 'attack');
  const traps = labels.filter((label): label is Trap => label.kind === 'trap');
  const result = evaluate(findings, population, truth, traps);
  if (values['analyst-out'])
    writeFileSync(
      values['analyst-out'],
      analystVerdicts(findings, truth)
        .map((verdict) => `${JSON.stringify(verdict)}\n`)
        .join(''),
    );
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
