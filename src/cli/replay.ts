import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { fixedClock, newestEventClock, wallClock, type EventClock } from '../events/event-time.ts';
import { createLogger } from '../ops/logger.ts';
import { stateLimits, type Outcome } from '../pipeline/engine.ts';
import { toOutputLines } from '../pipeline/replay-output.ts';
import { ReplaySummary } from '../pipeline/replay-summary.ts';
import { MemoryStateStore } from '../state/memory/store.ts';
import { createEngine } from './wiring.ts';

const HELP = `usage: vigil replay <file.ndjson | -> [--as-of ISO | --as-of newest] [--batch N] [--quiet]

Runs the whole engine with in-memory state over NDJSON events and prints signals and
decisions as NDJSON on stdout, with a summary on stderr. Configuration as for \`vigil run\`.

Events dated too far ahead of the clock, or older than Vigil remembers, are refused as
\`vigil run\` refuses them. The clock is the machine's; to replay a recorded file, judge it
--as-of the instant it was recorded, or --as-of newest: the newest event seen so far.`;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      batch: { type: 'string', default: '500' },
      'as-of': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'warn' },
      help: { type: 'boolean', default: false },
    },
  });
  const batchSize = Number(values.batch);
  const clock = clockOf(values['as-of']);
  if (values.help || positionals.length !== 1 || !Number.isInteger(batchSize) || batchSize < 1 || !clock) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: values['log-level'], destination: process.stderr });
  const { engine, geo } = createEngine(config, new MemoryStateStore(stateLimits(config.detect)), logger, {
    clock,
  });
  const file = positionals[0]!;
  const lines = createInterface({
    input: file === '-' ? process.stdin : createReadStream(file),
    crlfDelay: Infinity,
  });
  const summary = new ReplaySummary();
  let batch: { line: number; value: string; origin: string }[] = [];
  let lineNumber = 0;

  const flush = async () => {
    const { outcomes, release } = await engine.process(batch);
    await release();
    const out: string[] = [];
    outcomes.forEach((outcome: Outcome, i) => {
      summary.add(outcome);
      if (outcome.status === 'rejected')
        process.stderr.write(`line ${batch[i]!.line}: rejected: ${outcome.code}: ${outcome.reason}\n`);
      else out.push(...toOutputLines(outcome));
    });
    if (out.length && !process.stdout.write(out.join(''))) {
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    batch = [];
  };

  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    batch.push({ line: lineNumber, value: line, origin: `line ${lineNumber}` });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await engine.close();
  geo.close();
  if (!values.quiet) process.stderr.write(summary.render());
  return 0;
}

function clockOf(asOf: string | undefined): EventClock | undefined {
  if (asOf === undefined) return wallClock();
  if (asOf === 'newest') return newestEventClock();
  const atMs = Date.parse(asOf);
  return Number.isNaN(atMs) ? undefined : fixedClock(atMs);
}
