import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { fixedClock, newestEventClock, wallClock, type EventClock } from '../events/event-time.ts';
import { feedbackOutputLines } from '../feedback/output.ts';
import { createLogger } from '../ops/logger.ts';
import { TtyProgress } from '../ops/tty-progress.ts';
import { stateLimits, type Outcome } from '../pipeline/engine.ts';
import { IncidentView } from '../pipeline/incident-view.ts';
import { printable } from '../pipeline/printable.ts';
import { toOutputLines } from '../pipeline/replay-output.ts';
import { ReplaySummary } from '../pipeline/replay-summary.ts';
import { MemoryStateStore } from '../state/memory/store.ts';
import { PipeOutput } from './pipe-output.ts';
import { createEngine } from './wiring.ts';

const HELP = `usage: vigil replay <file.ndjson | -> [--as-of ISO | --as-of newest] [--batch N]
                    [--format incidents | ndjson] [--quiet] [--feedback FILE]

Runs the whole engine with in-memory state over NDJSON events and prints what it decided, with a
summary on stderr. Configuration as for \`vigil run\`.

On a terminal the output is an incident view: one block per user with a decision, its signals
in words with their evidence, times in UTC (no colours when NO_COLOR is set). Piped, it is NDJSON:
one line per signal, then one for the decision they caused. --format chooses either way. A
progress line shows on stderr while a long replay runs there, unless --quiet.

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

const FORMATS = ['incidents', 'ndjson'];

/** The flags `vigil replay` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  batch: { type: 'string', default: '500' },
  'as-of': { type: 'string' },
  format: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  'log-level': { type: 'string', default: 'warn' },
  feedback: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  const batchSize = Number(values.batch);
  const clock = clockOf(values['as-of']);
  const format = values.format ?? (process.stdout.isTTY ? 'incidents' : 'ndjson');
  if (
    values.help ||
    positionals.length !== 1 ||
    !Number.isInteger(batchSize) ||
    batchSize < 1 ||
    !clock ||
    !FORMATS.includes(format)
  ) {
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
  const lines = createInterface({ input: input.stream, crlfDelay: Infinity });
  const output = new PipeOutput(process.stdout);
  const summary = new ReplaySummary();
  const incidents = format === 'incidents' ? new IncidentView() : undefined;
  // NDJSON streamed to the same terminal would break the line; the incident view comes at the end.
  const drawProgress = !values.quiet && !(format === 'ndjson' && process.stdout.isTTY);
  const progress = new TtyProgress(
    drawProgress ? process.stderr : { write: (text) => process.stderr.write(text) },
    {
      // A replay that ends within a second (the demo) leaves no trace of one.
      delayMs: 1000,
    },
  );
  progress.start({ label: 'replay', unit: 'events' });
  let events = 0;
  let batch: { line: number; value: string; origin: string }[] = [];
  let lineNumber = 0;

  /** A verdict applies between the events before it and after it: the batch so far goes first. */
  const applyFeedback = async (entry: { line: number; value: string; origin: string }) => {
    await flush();
    const { outcomes, release } = await engine.feedback([entry]);
    await release();
    const [outcome] = outcomes;
    if (outcome?.status === 'rejected')
      progress.note(`${printable(entry.origin)}: rejected (${outcome.code}): ${printable(outcome.reason)}`);
    else if (outcome && incidents) incidents.addFeedback(outcome);
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
        progress.note(`line ${batch[i]!.line}: rejected (${outcome.code}): ${printable(outcome.reason)}`);
      else if (incidents) incidents.add(outcome);
      else out.push(...toOutputLines(outcome));
    });
    if (out.length) await output.write(out.join(''));
    events += batch.length;
    batch = [];
    progress.update(events, input.read ? { fraction: input.read() } : {});
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
  progress.end();
  if (incidents && !readError) await output.write(incidents.render({ colour: colourOn(process.stdout) }));
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

/** Colours only on a terminal that has them: Node's check honours NO_COLOR, FORCE_COLOR and TERM=dumb. */
const colourOn = (stream: NodeJS.WriteStream) => stream.isTTY === true && stream.hasColors();

interface Input {
  readonly stream: Readable;
  /** How much of a file has been read, from 0 to 1; absent for standard input. */
  readonly read?: () => number;
}

/** The input, or why it cannot be read, found before any work starts. */
async function openInput(file: string): Promise<Input | string> {
  if (file === '-') return { stream: process.stdin };
  try {
    const handle = await open(file);
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      return 'is a directory';
    }
    const stream = handle.createReadStream();
    return { stream, read: () => (stat.size > 0 ? stream.bytesRead / stat.size : 1) };
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
