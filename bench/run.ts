/**
 * `npm run bench`: Vigil's throughput and costs on the real local stack, each figure beside its
 * ceiling measured in the same run (these machines are shared and noisy: ratios, not absolutes).
 * Writes BENCHMARKS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { createEngine } from '../src/cli/wiring.ts';
import { loadConfig } from '../src/config/index.ts';
import { Enricher } from '../src/enrich/enrich.ts';
import { GeoLocator } from '../src/enrich/geo.ts';
import { NetworkClassifier } from '../src/enrich/networks.ts';
import { parseEvent } from '../src/events/index.ts';
import { createLogger } from '../src/ops/logger.ts';
import { TtyProgress } from '../src/ops/tty-progress.ts';
import { stateLimits } from '../src/pipeline/engine.ts';
import { simulate } from '../src/simulate/scenario.ts';
import { documentsOf } from '../src/sinks/search/documents.ts';
import { connectSearch } from '../src/sinks/search/client.ts';
import { MemoryStateStore } from '../src/state/memory/store.ts';
import { connectRedis } from '../src/state/redis/connect.ts';
import { StateKeys } from '../src/state/redis/keys.ts';
import { RedisStateStore } from '../src/state/redis/store.ts';
import { KAFKA_BROKERS, REDIS_URL, SEARCH_URL } from '../test/harness/endpoints.ts';
import { countWrites } from '../test/harness/factories.ts';
import { readPid } from '../test/harness/processes.ts';
import { STACK_DIR, stackDown, stackServices, stackUp } from '../test/harness/stack.ts';
import { produceEvents } from '../test/harness/streams.ts';
import { deployment, runVigil, startVigil, waitReady } from '../test/harness/vigil-process.ts';
import { commandsReader, revokingPolicyFile, serviceEnforcer, type Observer } from './enforcement.ts';

const USERS = Number(process.env.VIGIL_BENCH_USERS ?? 1000);
const progress = new TtyProgress(process.stderr);
const log = (line: string) => progress.note(line);
/** A step of the run: its name on a line of its own, and on a terminal a progress line counting its events. */
const phase = (label: string, total?: number) => {
  log(label);
  progress.start({ label, unit: 'events', ...(total !== undefined && { total }) });
};
const cleanups: (() => unknown)[] = [];
const context = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
const quiet = createLogger({ level: 'warn', destination: process.stderr });
const config = loadConfig({ env: { VIGIL_TRUSTED_NETWORKS: '81.4.109.0/24,38.124.103.0/24' } });

/** CPU seconds a process has used, from /proc (user + system). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function measureCpu<T>(pids: Record<string, number | undefined>, work: () => Promise<T>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cores = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [
      name,
      +((cpuSeconds(pid) - before[name]!) / seconds).toFixed(2),
    ]),
  );
  return { result, cores };
}

/** Live heap after a full collection (the bench runs with --expose-gc). */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const stackPids = () => ({
  kafka: readPid(join(STACK_DIR, 'kafka')),
  redis: readPid(join(STACK_DIR, 'redis')),
  opensearch: readPid(join(STACK_DIR, 'opensearch')),
});

async function rawConsumer(env: Record<string, string>, total: number): Promise<number> {
  const consumer = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).consumer({
    groupId: `${env.VIGIL_KAFKA_GROUP_ID}-raw`,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [env.VIGIL_TOPIC_AUTH!, env.VIGIL_TOPIC_ACCESS!], fromBeginning: true });
  let seen = 0;
  let first = 0;
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        first ||= performance.now();
        seen += batch.messages.length;
        progress.update(seen);
        if (seen >= total) resolve((performance.now() - first) / 1000);
      },
    });
  });
  await consumer.disconnect();
  return total / seconds;
}

/**
 * `count` processes of `vigil run` with `args` in one group, and with `--no-index` a `vigil index`
 * process beside them; once all are ready.
 */
async function startProcessor(env: Record<string, string>, args: string[], count = 1) {
  const processes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startVigil(context, { ...env, VIGIL_INSTANCE_ID: `p${i}` }, args),
    ),
  );
  if (args.includes('--no-index')) processes.push(await startVigil(context, env, ['index']));
  for (const started of processes) await waitReady(started);
  return {
    port: processes[0]!.port,
    pids: {
      vigil: processes[0]!.child.pid,
      ...(args.includes('--no-index') && { indexer: processes.at(-1)!.child.pid }),
    },
    /** Each series summed over the processes, labels and all. */
    async metrics(...series: string[]): Promise<number[]> {
      const texts = await Promise.all(
        processes.map(async (p) => (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text()),
      );
      return series.map((name) =>
        texts
          .flatMap((text) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))])
          .reduce((sum, match) => sum + Number(match[1]), 0),
      );
    },
    stop: () => Promise.all(processes.map((p) => p.stop())),
  };
}

/**
 * Runs a processor on its own group until it has processed every event and, with the search sink on,
 * every document is indexed (no lag on the documents topic, and the count stays put for a second);
 * events/s from its first batch to its last event processed or document indexed.
 */
async function vigilThroughput(env: Record<string, string>, total: number, args: string[], processors = 1) {
  const processor = await startProcessor(env, args, processors);
  const indexing = !args.includes('--no-search');
  const pids = { ...processor.pids, ...stackPids() };
  const { result, cores } = await measureCpu(pids, async () => {
    let first = 0;
    let last = { indexed: -1, at: 0 };
    for (;;) {
      const now = performance.now();
      const [consumed, processed, indexed, documentsLag] = await processor.metrics(
        'vigil_events_consumed_total',
        'vigil_events_total',
        'vigil_documents_indexed_total',
        `vigil_consumer_lag\\{topic="${env.VIGIL_TOPIC_DOCUMENTS}"[^}]*\\}`,
      );
      if (consumed! > 0 && !first) first = now;
      progress.update(processed!);
      if (indexed !== last.indexed) last = { indexed: indexed!, at: now };
      if (processed! >= total && !indexing) return total / ((now - first) / 1000);
      if (processed! >= total && documentsLag === 0 && now - last.at > 1000)
        return total / ((last.at - first) / 1000);
      await sleep(50);
    }
  });
  await processor.stop();
  return { eventsPerSecond: result, cores };
}

/**
 * Event→command latency under open-loop load: the simulated stream is produced at a fixed rate while,
 * every 50 ms, a fresh user suffers an MFA-fatigue burst stamped now; the time from sending the burst's
 * last event to an observer seeing its command (read off the topic, or in force at a service) is one
 * sample. Several observers watch the same run, so that their figures differ by what each adds alone.
 */
async function latencies(
  env: Record<string, string>,
  args: string[],
  lines: readonly string[],
  rate: number,
  seconds: number,
  observers: readonly Observer[],
) {
  const processor = await startProcessor(Object.assign({}, env, ...observers.map((o) => o.env)), args);
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const sentAt = new Map<string, number>();
  const samples = observers.map(() => [] as number[]);
  for (const [i, observer] of observers.entries())
    await observer.start(processor.port, (user) => {
      const sent = sentAt.get(user);
      if (sent !== undefined) samples[i]!.push(performance.now() - sent);
    });
  await sleep(3000); // the observer joins before anything is measured
  const started = performance.now();
  const tickMs = 50;
  let produced = 0;
  for (let tick = 0; tick * tickMs < seconds * 1000; tick++) {
    const due = started + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const upTo = Math.min(lines.length, Math.round(((tick + 1) * tickMs * rate) / 1000));
    const background = lines.slice(produced, upTo).map((value) => {
      const event = JSON.parse(value) as { user_id: string; action?: string };
      return {
        topic: event.action ? env.VIGIL_TOPIC_ACCESS! : env.VIGIL_TOPIC_AUTH!,
        key: event.user_id,
        value,
      };
    });
    produced = upTo;
    progress.update(produced);
    const user = `latency-${rate}-${tick}`;
    const now = Date.now();
    const burst = Array.from({ length: 5 }, (_, i) => ({
      key: user,
      value: JSON.stringify({
        event_id: `${user}-${i}`,
        occurred_at: new Date(now - (4 - i) * 1000).toISOString(),
        type: 'mfa_failure',
        user_id: user,
        ip: '5.255.255.5',
      }),
    }));
    const topicMessages = [env.VIGIL_TOPIC_AUTH!, env.VIGIL_TOPIC_ACCESS!].map((topic) => ({
      topic,
      messages: background.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
    }));
    topicMessages[0]!.messages.push(...burst);
    void producer
      .sendBatch({ topicMessages: topicMessages.filter((t) => t.messages.length) })
      .then(() => sentAt.set(user, performance.now()));
  }
  await sleep(5000);
  await Promise.all([producer.disconnect(), ...observers.map((observer) => observer.stop())]);
  await processor.stop();
  return observers.map((observer, i) => {
    const sorted = samples[i]!.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
    return {
      observer: observer.name,
      rate,
      samples: sorted.length,
      sent: sentAt.size,
      p50: at(0.5),
      p99: at(0.99),
      p999: at(0.999),
    };
  });
}

/** The local stack (what was not running is stopped at the end) and the simulated stream, as lines. */
async function stackAndStream() {
  log('starting the local stack');
  const started = (await stackUp(stackServices(), log)).map((report) => report.name);
  cleanups.unshift(() => stackDown(stackServices().filter((service) => started.includes(service.name))));
  const { events } = simulate({
    users: USERS,
    days: 18,
    seed: 11,
    // Recent, so every path judges it against today's clock as production would.
    start: new Date(Math.floor(Date.now() / 86_400_000 - 19) * 86_400_000).toISOString(),
    attacksPerKind: 5,
  });
  const lines = events.map((event) => JSON.stringify(event));
  log(`${lines.length} events of ${USERS} users`);
  return lines;
}

/** One topic pair with the whole stream, set up and produced, and a way to give each contender its own group, state and outputs. */
async function streamOnKafka(lines: readonly string[], withSearch = true) {
  const d = deployment();
  const env = {
    ...d.env,
    VIGIL_TRUSTED_NETWORKS: config.detect.travel.trustedNetworks.join(','),
    VIGIL_TOPIC_PARTITIONS: '6',
    VIGIL_LOG_LEVEL: 'error',
  };
  await runVigil(env, withSearch ? ['setup'] : ['setup', '--skip-search']);
  phase('producing the stream');
  await produceEvents(env, lines);
  const own = (run: string) => ({
    ...env,
    VIGIL_KAFKA_GROUP_ID: run,
    VIGIL_REDIS_KEY_PREFIX: `${run}:`,
    VIGIL_TOPIC_COMMANDS: `${run}.commands`,
    VIGIL_TOPIC_DOCUMENTS: `${run}.search-documents`,
  });
  return { name: d.name, env, own };
}

const DETECTION_ARGS = ['run', '--no-search'];

/**
 * Event → enforced at a service, received over Kafka and over SSF push, each at 50 % of the detection
 * path's measured rate: the latency run above, ending where the service has the revocation in force.
 */
async function enforcementLatencies(
  kafkaStream: Awaited<ReturnType<typeof streamOnKafka>>,
  lines: readonly string[],
  detectionRate: number,
) {
  const rate = Math.round(detectionRate * 0.5);
  phase(`event → enforced at ${rate} ev/s`);
  const run = `${kafkaStream.name}-enforced`;
  const env = {
    ...kafkaStream.own(run),
    VIGIL_TOPIC_AUTH: `${run}.auth`,
    VIGIL_TOPIC_ACCESS: `${run}.access`,
    VIGIL_POLICY_FILE: revokingPolicyFile(),
  };
  await runVigil(env, ['setup', '--skip-search']);
  // One run watched three ways at once: the command committed, and in force at a service fed by Kafka
  // and at one fed by SSF push; on a shared machine, runs one after another would not compare.
  const observers = [commandsReader(env), serviceEnforcer(env, 'kafka'), serviceEnforcer(env, 'ssf-push')];
  return (await latencies(env, DETECTION_ARGS, lines, rate, 20, observers)).map((row) => ({
    ...row,
    share: 0.5,
  }));
}

type EnforcementRow = Awaited<ReturnType<typeof enforcementLatencies>>[number];

function enforcementSection(rows: readonly EnforcementRow[]) {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  return `## Event → enforced at the service (open loop)

As above, on \`vigil run --no-search\` (its SSF transmitter on) at 50 % of its measured rate, with a policy that
revokes on MFA fatigue so that each burst ends in a revocation. One run is watched three ways at once: the command
read off the topic as committed, and the revocation in the table of two vigil-client enforcers (each token verified
against the JWKS Vigil serves), one reading the commands topic in its own group, one receiving SSF pushes (RFC 8935)
from Vigil's transmitter on an HTTP endpoint of its own. A sample runs from the burst's send acknowledgement to that
moment. Target: p99 ≤ 300 ms for the services.

| where | load | rate | samples | p50 | p99 | p99.9 |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.observer} | ${r.share * 100} % | ${n(r.rate)} ev/s | ${r.samples} of ${r.sent} | ${r.p50} ms | ${r.p99} ms | ${r.p999} ms |`).join('\n')}
`;
}

/** `npm run bench -- --enforcement-only`: the detection path's rate, then the event → enforced rows alone. */
async function enforcementOnly() {
  const lines = await stackAndStream();
  const kafkaStream = await streamOnKafka(lines, false);
  phase('detection path', lines.length);
  const run = `${kafkaStream.name}-detection`;
  await runVigil(kafkaStream.own(run), ['setup', '--skip-search']);
  const { eventsPerSecond } = await vigilThroughput(kafkaStream.own(run), lines.length, DETECTION_ARGS);
  const rows = await enforcementLatencies(kafkaStream, lines, eventsPerSecond);
  for (const cleanup of cleanups.reverse()) await cleanup();
  progress.end();
  process.stdout.write(`detection path: ${Math.round(eventsPerSecond)} ev/s\n\n${enforcementSection(rows)}`);
}

async function main() {
  const lines = await stackAndStream();
  const total = lines.length;

  // In process: each stage added to the last, on one core.
  const geo = GeoLocator.load();
  const enricher = new Enricher(geo, new NetworkClassifier(config.detect.travel.trustedNetworks));
  const rate = (seconds: number) => total / seconds;
  const time = async (work: () => unknown) => {
    const started = performance.now();
    await work();
    return (performance.now() - started) / 1000;
  };
  phase('stages in process', total);
  const stages: Record<string, number> = {};
  stages.parse = rate(await time(() => lines.forEach((line) => JSON.parse(line))));
  stages['parse + validate'] = rate(await time(() => lines.forEach((line) => parseEvent(line))));
  stages['+ enrich'] = rate(
    await time(() =>
      lines.forEach((line) => {
        const parsed = parseEvent(line);
        if (parsed.ok) enricher.enrich(parsed.event);
      }),
    ),
  );

  const redis = connectRedis({ mode: 'standalone', urls: [REDIS_URL], keyPrefix: '' });
  await redis.connect();
  const prefix = `bench-${Date.now()}:`;
  const redisState = new RedisStateStore(redis, new StateKeys(prefix), stateLimits(config.detect));
  const redisEngine = createEngine(config, redisState, quiet).engine;
  const scriptCalls = async () =>
    [...(await redis.info('commandstats')).matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)].reduce(
      (s, m) => s + Number(m[2]),
      0,
    );
  const callsBefore = await scriptCalls();
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
    return seconds('used_cpu_user') + seconds('used_cpu_sys');
  };
  const writes = countWrites(redis as Redis);
  const BATCH = 500;
  let released: Promise<void> = Promise.resolve();
  const redisCpuBefore = await redisCpu();
  const nodeCpuBefore = process.cpuUsage();
  // As `vigil run` does: users held in memory, checkpointed to Redis every interval and at the end.
  let lastCheckpointMs = Date.now();
  stages['+ Redis state, detect, decide'] = rate(
    await time(async () => {
      for (let i = 0; i < total; i += BATCH) {
        const batch = lines.slice(i, i + BATCH).map((value, j) => ({ value, origin: `bench/0@${i + j}` }));
        const { release } = await redisEngine.process(batch);
        released = release();
        progress.update(Math.min(total, i + BATCH));
        const last = i + batch.length === total;
        if (last || Date.now() - lastCheckpointMs >= config.redis.checkpointIntervalMs) {
          await redisState.checkpoint(new Map([['bench/0', i + batch.length]]));
          lastCheckpointMs = Date.now();
        }
      }
      await released;
    }),
  );
  const nodeCpu = process.cpuUsage(nodeCpuBefore);
  const stateCpu = {
    node: (nodeCpu.user + nodeCpu.system) / total,
    redis: (((await redisCpu()) - redisCpuBefore) * 1e6) / total,
  };
  const roundTrips = writes.stop();
  // The processor's own copy of its users' state, per user: what letting them all go frees (the
  // engine's other memory, such as the event ids it remembers, is bounded whatever the users).
  const heapWithUsers = heapUsed();
  redisState.forget();
  const heapPerUser = (heapWithUsers - heapUsed()) / USERS;
  const calls = (await scriptCalls()) - callsBefore;
  const keys = await redis.keys(`${prefix}*`);
  const users = new Set(keys.filter((k) => k.includes('{u:')).map((k) => /\{u:([^}]*)\}/.exec(k)![1]));
  let userBytes = 0;
  for (const key of keys.filter((k) => k.includes('{u:')))
    userBytes += (await redis.memory('USAGE', key, 'SAMPLES', '0')) ?? 0;
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.quit();

  const memoryEngine = createEngine(config, new MemoryStateStore(stateLimits(config.detect)), quiet).engine;
  const documents: ReturnType<typeof documentsOf>[] = [];
  phase('replay (in-memory state)', total);
  const replaySeconds = await time(async () => {
    for (let i = 0; i < total; i += BATCH) {
      const { outcomes, release } = await memoryEngine.process(
        lines.slice(i, i + BATCH).map((value) => ({ value })),
      );
      await release();
      for (const outcome of outcomes) documents.push(documentsOf(outcome, 'bench-ceiling'));
      progress.update(Math.min(total, i + BATCH));
    }
  });

  // Kafka: one topic pair with the whole stream, read by each contender in its own group.
  const kafkaStream = await streamOnKafka(lines);
  const { env, own } = kafkaStream;
  const d = { name: kafkaStream.name };
  phase('raw consumer', total);
  const raw = await rawConsumer(env, total);
  const paths = {
    detection: { args: DETECTION_ARGS, title: 'detection path (`vigil run --no-search`)' },
    full: { args: ['run'], title: 'full path (`vigil run`, indexer in the same process)' },
    split: {
      args: ['run', '--no-index'],
      title: 'full path (`vigil run --no-index` and `vigil index`, two processes)',
    },
  };
  const throughput: Record<string, Awaited<ReturnType<typeof vigilThroughput>>> = {};
  for (const [name, { args }] of Object.entries(paths)) {
    phase(`${name} path`, total);
    const run = `${d.name}-${name}`;
    await runVigil(own(run), ['setup', '--skip-search']);
    throughput[name] = await vigilThroughput(own(run), total, args);
  }

  const scaling: { processors: number; eventsPerSecond: number }[] = [
    { processors: 1, eventsPerSecond: throughput.detection!.eventsPerSecond },
  ];
  for (const processors of [2, 4]) {
    log(`detection path, ${processors} processors`);
    const run = `${d.name}-scale-${processors}`;
    await runVigil(own(run), ['setup', '--skip-search']);
    const { eventsPerSecond } = await vigilThroughput(own(run), total, paths.detection.args, processors);
    scaling.push({ processors, eventsPerSecond });
  }

  const latencyRows = [];
  for (const name of ['detection', 'split', 'full'] as const)
    for (const share of [0.5, 0.8]) {
      const rate = Math.round(throughput[name]!.eventsPerSecond * share);
      phase(`latency, ${name} path, at ${rate} ev/s`);
      const run = `${d.name}-lat-${name}-${share * 10}`;
      const latencyEnv = {
        ...own(run),
        VIGIL_TOPIC_AUTH: `${run}.auth`,
        VIGIL_TOPIC_ACCESS: `${run}.access`,
      };
      await runVigil(latencyEnv, ['setup', '--skip-search']);
      latencyRows.push({
        share,
        path: paths[name].args.join(' '),
        ...(await latencies(latencyEnv, paths[name].args, lines, rate, 20, [commandsReader(latencyEnv)]))[0]!,
      });
    }

  const enforcement = await enforcementLatencies(kafkaStream, lines, throughput.detection!.eventsPerSecond);

  phase('search ceiling', documents.length);
  const { client } = await connectSearch({
    url: SEARCH_URL,
    engine: 'auto',
    indexPrefix: 'bench',
    tlsRejectUnauthorized: true,
  });
  await client.indices.putIndexTemplate({
    name: 'bench-ceiling',
    index_patterns: ['bench-ceiling-*'],
    template: (await client.indices.getIndexTemplate({ name: `${d.name}-events` })).index_templates[0]!
      .index_template.template!,
  });
  const perBatch = Math.ceil(documents.length / (total / BATCH));
  const ceiling = await measureCpu(stackPids(), () =>
    time(async () => {
      for (let i = 0; i < documents.length; i += perBatch) {
        const chunk = documents.slice(i, i + perBatch).flat();
        await client.bulk({
          operations: chunk.flatMap((doc) => [{ index: { _index: doc.index, _id: doc.id } }, doc.body]),
        });
        progress.update(Math.min(documents.length, i + perBatch));
      }
    }),
  );
  await client.indices.delete({ index: `bench-ceiling-*,${d.name}-*` }).catch(() => {});
  await client.indices.deleteIndexTemplate({ name: 'bench-ceiling' }).catch(() => {});
  await client.close();
  geo.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
  progress.end();

  const searchCeiling = total / ceiling.result;
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const rows = [
    ['raw kafkajs consumer, empty handler (ceiling)', `${n(raw)} ev/s`, '100 %', ''],
    [
      paths.detection.title,
      `${n(throughput.detection!.eventsPerSecond)} ev/s`,
      pct(throughput.detection!.eventsPerSecond / raw),
      '≥ 17 % of raw',
    ],
    ['search engine bulk ceiling, same documents', `${n(searchCeiling)} ev/s`, '100 %', ''],
    ...(['full', 'split'] as const).map((name) => [
      paths[name].title,
      `${n(throughput[name]!.eventsPerSecond)} ev/s`,
      pct(throughput[name]!.eventsPerSecond / searchCeiling),
      '≥ 80 % of the engine',
    ]),
    [
      '`replay` (in-memory state)',
      `${n(total / replaySeconds)} ev/s`,
      pct(total / replaySeconds / raw),
      'of raw',
    ],
  ];
  const stageRows = Object.entries(stages).map(([stage, r], i, all) => {
    // One core: the stage's CPU is its time; the Redis row also names what Redis spent.
    const previous = i === 0 ? 0 : 1e6 / all[i - 1]![1];
    const cpu =
      stage === '+ Redis state, detect, decide'
        ? `Node ${stateCpu.node.toFixed(1)} µs (this stage ${(stateCpu.node - previous).toFixed(1)}), Redis ${stateCpu.redis.toFixed(1)} µs`
        : `${(1e6 / r).toFixed(1)} µs (this stage ${(1e6 / r - previous).toFixed(1)})`;
    return [stage, `${n(r)} ev/s`, pct(r / raw), cpu];
  });
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const report = `# Benchmarks

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}. Kafka, Redis and OpenSearch
run on the same machine (the local stack), so every figure is a ratio to a ceiling measured in the same run.

Stream: \`vigil simulate\` with ${USERS} users over 18 days, seed 11: ${total.toLocaleString('en')} events, in 6 partitions
of an auth and an access topic. Each contender reads the whole stream from the start in its own consumer group;
rates run from its first batch to its last event processed (detection path) or its last document indexed (full path:
the pipeline commits documents to Kafka with the commands, and the indexer writes them to the engine).

## Throughput

| path | rate | ratio | target |
|---|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

## Stage by stage (in process, one core, batches of ${BATCH}; each row adds a stage to the one above)

| stages | rate | ratio to raw consumption | CPU per event |
|---|---|---|---|
${stageRows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

With Redis, the processor held every user's state in memory (as \`vigil run\` does for its partitions' users)
and checkpointed the users it changed to Redis every ${config.redis.checkpointIntervalMs / 1000} s and at the end.

## Scaling (detection path, 6 partitions per topic, processors in one group on the same 2 cores)

| processors | rate | ratio to one |
|---|---|---|
${scaling.map((row) => `| ${row.processors} | ${n(row.eventsPerSecond)} ev/s | ${(row.eventsPerSecond / scaling[0]!.eventsPerSecond).toFixed(2)} |`).join('\n')}

## Redis

| measure | value | target |
|---|---|---|
| round trips per event (batches of ${BATCH}) | ${(roundTrips / total).toFixed(4)} | ≤ 0.01 |
| Redis CPU per event (INFO cpu, the in-process run above) | ${stateCpu.redis.toFixed(1)} µs | ≤ 3 µs |
| script calls per event (INFO commandstats, EVALSHA + EVAL) | ${(calls / total).toFixed(3)} | |
| memory per tracked user in Redis (MEMORY USAGE of the user's keys, ${users.size} users) | ${Math.round(userBytes / users.size)} B | ≤ 1.3 KB |
| memory per tracked user in the processor (heap of its users' state) | ${Math.round(heapPerUser)} B | ≤ 2 KB |

## CPU (cores in use while each path ran)

| path | vigil run | vigil index | kafka | redis | opensearch |
|---|---|---|---|---|---|
${Object.entries(throughput)
  .map(
    ([name, { cores: c }]) =>
      `| ${name} | ${c.vigil} | ${c.indexer ?? '–'} | ${c.kafka} | ${c.redis} | ${c.opensearch} |`,
  )
  .join('\n')}
| search ceiling (bulk loader) | – | – | ${ceiling.cores.kafka} | ${ceiling.cores.redis} | ${ceiling.cores.opensearch} |

## Event → command latency (open loop)

For each deployment, the simulated stream is produced at a fixed share of that deployment's measured rate (above)
for 20 s; every 50 ms a fresh user's MFA-fatigue burst stamped now is sent with it. A sample runs from the burst's
send acknowledgement to reading its committed step-up command. Target: p99 ≤ 250 ms at 50 %. With search on, the
search engine indexes on the same cores as Vigil, Kafka and Redis, as it would not in production.

| deployment | load | rate | samples | p50 | p99 | p99.9 |
|---|---|---|---|---|---|---|
${latencyRows.map((l) => `| \`vigil ${l.path}\`${l.path.includes('--no-index') ? ' + `vigil index`' : ''} | ${l.share * 100} % | ${n(l.rate)} ev/s | ${l.samples} of ${l.sent} | ${l.p50} ms | ${l.p99} ms | ${l.p999} ms |`).join('\n')}

${enforcementSection(enforcement)}`;
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), report);
  process.stdout.write(report);
}

(process.argv.includes('--enforcement-only') ? enforcementOnly() : main()).then(
  () => process.exit(0),
  async (error: unknown) => {
    progress.end();
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    console.error(error);
    process.exit(1);
  },
);
