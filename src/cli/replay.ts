import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { fixedClock, newestEventClock, wallClock, type EventClock } from '../events/event-time.ts';
import { createLogger } from '../ops/logger.ts';
import { feedbackOutputLines } from '../feedback/output.ts';
import { stateLimits, type Outcome } from '../pipeline/engine.ts';
import { printable } from '../pipeline/printable.ts';
import { toOutputLines } from '../pipeline/replay-output.ts';
import { ReplaySummary } from '../pipeline/replay-summary.ts';
import { MemoryStateStore } from '../state/memory/store.ts';
import { PipeOutput } from './pipe-output.ts';
import { createEngine } from './wiring.ts';

const HELP = `usage: vigil replay <file.ndjson | -> [--as-of ISO | --as-of newest] [--batch N] [--quiet]
                    [--feedback FILE]

Runs the whole engine with in-memory state over NDJSON events and prints signals and
decisions as NDJSON on stdout, with a summary on stderr. Configuration as for \`vigil run\`.

Lines marked "kind": "feedback" are analysts' verdicts (schemas/feedback.v1.json), applied in their
place in the file; each prints a feedback line, and a confirmed takeover its revocation. --feedback
reads verdicts from a file of their own and applies each before the first event dated after it.

Events dated too far ahead of the clock, or older than Vigil remembers, are refused as
\`vigil run\` refuses them. The clock is the machine's; to replay a recorded file, judge it
--as-of the instant it was recorded, or --as-of newest: the newest event seen so far.

Exit status 2 when the arguments or the input file are unusable.`;

/** As for a bad argument: the command line names something that cannot be used. */
const EXIT_BAD_INPUT = 2;

const BOM = '\uFEFF';

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      batch: { type: 'string', default: '500' },
      'as-of': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'warn' },
      feedback: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const batchSize = Number(values.batch);
  const clock = clockOf(values['as-of']);
  if (values.help || positionals.length !== 1 || !Number.isInteger(batchSize) || batchSize < 1 || !clock) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : EXIT_BAD_INPUT;
  }
  const file = positionals[0]!;
  const input = await openInput(file);
  if (typeof input === 'string') {
    process.stderr.write(`vigil replay: cannot read ${printable(file)}: ${input}\n`);
    return EXIT_BAD_INPUT;
  }
  const config = loadConfig();
  const logger = createLogger({ level: values['log-level'], destination: process.stderr });
  const { engine, geo } = createEngine(config, new MemoryStateStore(stateLimits(config.detect)), logger, {
    clock,
  });
  // Verdicts from a file of their own join the events in event-time order, each before the first event
  // dated after it.
  const pending = values.feedback
    ? readFileSync(values.feedback, 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line, i) => ({ line: i + 1, value: line, atMs: Date.parse(timeOf(line)) }))
        .sort((a, b) => a.atMs - b.atMs)
    : [];
  const lines = createInterface({ input, crlfDelay: Infinity });
  const output = new PipeOutput(process.stdout);
  const summary = new ReplaySummary();
  let batch: { line: number; value: string; origin: string }[] = [];
  let lineNumber = 0;

  /** A verdict applies between the events before it and after it: the batch so far goes first. */
  const applyFeedback = async (entry: { line: number; value: string; origin: string }) => {
    await flush();
    const { outcomes, release } = await engine.feedback([entry]);
    await release();
    const [outcome] = outcomes;
    if (outcome?.status === 'rejected')
      process.stderr.write(`line ${entry.line}: rejected (${outcome.code}): ${printable(outcome.reason)}\n`);
    else if (outcome) await output.write(feedbackOutputLines(outcome).join(''));
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const { outcomes, release } = await engine.process(batch);
    await release();
    const out: string[] = [];
    outcomes.forEach((outcome: Outcome, i) => {
      summary.add(outcome);
      if (outcome.status === 'rejected')
        process.stderr.write(
          `line ${batch[i]!.line}: rejected (${outcome.code}): ${printable(outcome.reason)}\n`,
        );
      else out.push(...toOutputLines(outcome));
    });
    if (out.length) await output.write(out.join(''));
    batch = [];
  };

  let readError: Error | undefined;
  try {
    for await (const text of lines) {
      lineNumber++;
      // A file saved by some Windows editors starts with a byte order mark, which is not JSON.
      const line = lineNumber === 1 && text.startsWith(BOM) ? text.slice(1) : text;
      if (line.trim() === '') continue;
      const entry = { line: lineNumber, value: line, origin: `line ${lineNumber}` };
      if (pending.length) {
        const atMs = Date.parse(timeOf(line));
        while (pending.length && pending[0]!.atMs <= atMs) {
          const verdict = pending.shift()!;
          await applyFeedback({ ...verdict, origin: `${values.feedback} line ${verdict.line}` });
        }
      }
      if (isFeedback(line)) {
        await applyFeedback(entry);
        continue;
      }
      batch.push(entry);
      if (batch.length >= batchSize) await flush();
      if (output.closed) break;
    }
    for (const verdict of pending)
      await applyFeedback({ ...verdict, origin: `${values.feedback} line ${verdict.line}` });
    if (!output.closed) await flush();
  } catch (error) {
    readError = error as Error;
  }
  await engine.close();
  geo.close();
  if (readError) {
    process.stderr.write(`vigil replay: cannot read ${printable(file)}: ${describe(readError)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (output.failure) {
    process.stderr.write(`vigil replay: cannot write the output: ${describe(output.failure)}\n`);
    return 1;
  }
  // Whoever closed the pipe took what they wanted; a summary of the rest would only be noise.
  if (output.closed) return 0;
  if (!values.quiet) process.stderr.write(summary.render());
  return 0;
}

/** A line's `occurred_at`, or '' when it has none. */
function timeOf(line: string): string {
  try {
    const value = JSON.parse(line) as { occurred_at?: unknown };
    return typeof value.occurred_at === 'string' ? value.occurred_at : '';
  } catch {
    return '';
  }
}

/** Analysts' verdicts may come in the same file as events, marked `"kind": "feedback"`. */
function isFeedback(line: string): boolean {
  if (!line.includes('"feedback"')) return false;
  try {
    const value = JSON.parse(line) as { kind?: unknown };
    return typeof value === 'object' && value !== null && value.kind === 'feedback';
  } catch {
    return false;
  }
}

function clockOf(asOf: string | undefined): EventClock | undefined {
  if (asOf === undefined) return wallClock();
  if (asOf === 'newest') return newestEventClock();
  const atMs = Date.parse(asOf);
  return Number.isNaN(atMs) ? undefined : fixedClock(atMs);
}
/** The input, or why it cannot be read, found before any work starts. */
async function openInput(file: string): Promise<Readable | string> {
  if (file === '-') return process.stdin;
  try {
    const handle = await open(file);
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      return 'is a directory';
    }
    return handle.createReadStream();
  } catch (error) {
    return describe(error as Error);
  }
}

const describe = (error: NodeJS.ErrnoException) => {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return printable(error.message);
  }
};
