import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { TtyProgress } from '../ops/tty-progress.ts';
import { Partitions } from '../simulate/partitions.ts';
import { recentStart, simulate } from '../simulate/scenario.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const HELP = `usage: vigil simulate [--users N] [--days N] [--seed N] [--start ISO] [--attacks N]
                      [--truth FILE] [--out FILE | --kafka [--rate EVENTS_PER_S]]

--start defaults to midnight UTC --days + 1 days ago: the company's last day ends as yesterday begins,
so even its late sign-ins lie in the past and \`vigil run\` takes every event as recent. Pass --start
to repeat a stream exactly on another day.

Writes a synthetic company's auth and access events as NDJSON (stdout, or --out), or produces them to
the Kafka topics of the configuration at --rate, keyed by user, with a progress line on stderr when it
is a terminal. The ground truth (a population line, then one line per labelled attack and per benign
trap) goes to --truth. The corporate VPN egress it uses is in the
population line: set those networks as VIGIL_TRUSTED_NETWORKS, as a deployment would.`;

/** The flags `vigil simulate` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  users: { type: 'string', default: '1000' },
  days: { type: 'string', default: '21' },
  seed: { type: 'string', default: '1' },
  start: { type: 'string' },
  attacks: { type: 'string', default: '10' },
  truth: { type: 'string' },
  out: { type: 'string' },
  kafka: { type: 'boolean', default: false },
  rate: { type: 'string', default: '0' },
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
  const numbers = {
    users: Number(values.users),
    days: Number(values.days),
    seed: Number(values.seed),
    attacks: Number(values.attacks),
    rate: Number(values.rate),
  };
  const bad = Object.entries(numbers).find(([, n]) => !Number.isInteger(n) || n < 0);
  const start = values.start ?? recentStart(numbers.days);
  if (bad || numbers.days < 16 || Number.isNaN(Date.parse(start))) {
    process.stderr.write(
      `vigil simulate: ${bad ? `--${bad[0]} must be a whole number` : '--days must be at least 16 (attacks come after learning) and --start a date'}\n`,
    );
    return 2;
  }
  const { events, truth, traps, population } = simulate({
    users: numbers.users,
    days: numbers.days,
    seed: numbers.seed,
    start,
    attacksPerKind: numbers.attacks,
  });
  if (values.truth)
    writeFileSync(
      values.truth,
      [population, ...truth, ...traps].map((line) => JSON.stringify(line)).join('\n') + '\n',
    );
  process.stderr.write(
    `simulated ${events.length} events of ${numbers.users} users over ${numbers.days} days, ${truth.length} attacks\n`,
  );

  if (values.kafka) {
    await produce(events, numbers.rate);
    return 0;
  }
  const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : process.stdout;
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events
      .slice(i, i + 1000)
      .map((event) => `${JSON.stringify(event)}\n`)
      .join('');
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (values.out) {
    out.end();
    await once(out, 'finish');
  }
  return 0;
}

async function produce(events: readonly Record<string, unknown>[], rate: number): Promise<void> {
  const settings = commandSettings();
  const notice = stackNotice(settings.stack);
  if (notice) process.stderr.write(`vigil simulate: ${notice}\n`);
  await awaitDependencies(settings, { kafka: true });
  const progress = new TtyProgress(process.stderr);
  progress.start({ label: 'connecting to Kafka', unit: 'events', total: events.length, rate: false });
  const partitions = await Partitions.connect(settings.config);
  progress.start({ label: 'producing to Kafka', unit: 'events', total: events.length });
  const started = performance.now();
  const batch = rate > 0 ? Math.max(1, Math.ceil(rate / 50)) : 1000;
  for (let i = 0; i < events.length; i += batch) {
    await partitions.send(events.slice(i, i + batch));
    progress.update(Math.min(events.length, i + batch));
    // Open loop: the schedule is fixed in advance, whatever the consumer does.
    if (rate > 0) {
      const due = started + ((i + batch) / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
  progress.end({ keep: true });
  await partitions.close();
}
