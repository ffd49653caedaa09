import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { detectSchema } from '../../src/config/schema.ts';
import { DEFAULT_POLICY } from '../../src/decide/policy.ts';
import { ipv6Prefix64 } from '../../src/enrich/addresses.ts';
import { Enricher } from '../../src/enrich/enrich.ts';
import { GeoLocator } from '../../src/enrich/geo.ts';
import { NetworkClassifier } from '../../src/enrich/networks.ts';
import { newestEventClock } from '../../src/events/event-time.ts';
import { Engine, stateLimits } from '../../src/pipeline/engine.ts';
import { PartitionedWriter } from '../../src/pipeline/kafka.ts';
import { simulate } from '../../src/simulate/scenario.ts';
import { MemoryStateStore } from '../../src/state/memory/store.ts';
import { uniqueName } from './factories.ts';
import { waitUntil } from './processes.ts';

/**
 * Fault tests compare what `vigil run` committed under a fault with what `vigil replay` finds in the
 * same events. A finding is `user type event` for a signal (a spray is its address's, since which
 * user's failure completes it depends on how partitions interleave) and `user event` for a decision
 * (but one on a spray alone, for the same reason).
 */
export interface Findings {
  readonly signals: readonly string[];
  readonly decisions: readonly string[];
  /** Commands a run must publish once each: revocations and step-ups. */
  readonly commands: number;
  /** Search documents (events, signals, decisions): every one committed exactly once. */
  readonly documents: number;
  /** Of those, how many distinct ids: fewer than `documents` means something was committed twice. */
  readonly distinctDocuments?: number;
}

/** A small company over two and a half weeks, as NDJSON lines: about 15,000 events. */
export function chaosStream(users = 150): string[] {
  const { events } = simulate({ users, days: 17, seed: 7, start: '2026-03-02T00:00:00Z', attacksPerKind: 2 });
  return events.map((event) => JSON.stringify(event));
}

const signalFinding = (user: string, type: string, eventId: string, ip: unknown, scope: unknown) => {
  if (type !== 'password_spray') return `${user} ${type} ${eventId}`;
  const address = scope === 'prefix64' ? ipv6Prefix64(String(ip)) : String(ip);
  return `${address} password_spray`;
};

/** A decision on a spray alone belongs to whichever user completed it; its signal finding stands for it. */
const sprayOnly = (types: readonly string[]) =>
  types.length > 0 && types.every((type) => type === 'password_spray');

const unique = (items: readonly string[]) => [...new Set(items)].sort();

/** What `vigil replay` finds in the lines, with the settings a test deployment runs. */
export async function replayFindings(lines: readonly string[]): Promise<Findings> {
  const settings = detectSchema.parse({});
  const geo = GeoLocator.load();
  const engine = new Engine({
    store: new MemoryStateStore(stateLimits(settings)),
    enricher: new Enricher(geo, new NetworkClassifier()),
    settings,
    policy: DEFAULT_POLICY,
    clock: newestEventClock(),
  });
  const signals: string[] = [];
  const decisions: string[] = [];
  let commands = 0;
  let documents = 0;
  for (let i = 0; i < lines.length; i += 500) {
    const { outcomes, release } = await engine.process(lines.slice(i, i + 500).map((value) => ({ value })));
    await release();
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') continue;
      documents += 1 + outcome.signals.length + (outcome.decision ? 1 : 0);
      for (const s of outcome.signals)
        signals.push(signalFinding(s.user_id, s.type, s.event_id, s.evidence.ip, s.evidence.scope));
      if (outcome.decision) {
        const types = outcome.decision.signals.map((signal) => signal.type);
        if (!sprayOnly(types)) decisions.push(`${outcome.decision.user_id} ${outcome.decision.event_id}`);
        if (outcome.decision.action !== 'allow') commands++;
      }
    }
  }
  geo.close();
  return { signals: unique(signals), decisions: unique(decisions), commands, documents };
}

interface Document {
  readonly kind: string;
  readonly id: string;
  readonly body: {
    readonly user: { readonly id: string };
    readonly vigil: {
      readonly event_id: string;
      readonly signal?: { readonly type: string };
      readonly evidence?: Record<string, unknown>;
      readonly signals?: readonly string[];
    };
  };
}

const documentsIn = (messages: readonly KafkaMessage[]) =>
  messages.flatMap((message) => JSON.parse(message.value!.toString()) as Document[]);

/**
 * The control for a run: `replay` of what its input topics really hold. A producer retrying through a
 * broker outage may write an event twice (or, without idempotence, lose one); the run must match what
 * it was given, in the order the lines were written.
 */
export async function controlOf(
  brokers: readonly string[],
  env: Record<string, string>,
  lines: readonly string[],
): Promise<Findings> {
  const topics = [env.VIGIL_TOPIC_AUTH!, env.VIGIL_TOPIC_ACCESS!];
  const held = new Map<string, number>();
  // Every line was produced at least once; any copy would come with them.
  for (const message of await readSettled(brokers, topics, (read) => read.length >= lines.length, 60_000)) {
    const value = message.value!.toString();
    held.set(value, (held.get(value) ?? 0) + 1);
  }
  const replayed = lines.flatMap((line) => {
    const copies = held.get(line) ?? 0;
    held.delete(line);
    return Array<string>(copies).fill(line);
  });
  return replayFindings(replayed);
}

/** Reads topics from the start until `done`, then on until nothing new came for `quietMs`. */
async function readSettled(
  brokers: readonly string[],
  topics: readonly string[],
  done: (messages: readonly KafkaMessage[]) => boolean,
  timeoutMs: number,
  quietMs = 3000,
): Promise<KafkaMessage[]> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: uniqueName('chaos-reader'),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('chaos-reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  const messages: KafkaMessage[] = [];
  // A reader may be handed a message again (a fetch retried after a broker moved): each counts once.
  const read = new Set<string>();
  let lastAt = Date.now();
  void consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const at = `${topic}/${partition}@${message.offset}`;
      if (read.has(at)) return;
      read.add(at);
      messages.push(message);
      lastAt = Date.now();
    },
  });
  try {
    await waitUntil(
      topics.join(', '),
      async () => done(messages) && Date.now() - lastAt >= quietMs,
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${messages.length} messages read`);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/**
 * What a run committed, once everything is in: every document and command read back from Kafka. Fails
 * if any command was published twice; `documents` counts every committed document, so it equals the
 * control's exactly when nothing was committed twice.
 */
export async function runFindings(
  brokers: readonly string[],
  env: Record<string, string>,
  control: Findings,
  timeoutMs = 240_000,
): Promise<Findings> {
  const documents = documentsIn(
    await readSettled(
      brokers,
      [env.VIGIL_TOPIC_DOCUMENTS!],
      (read) => documentsIn(read).length >= control.documents,
      timeoutMs,
    ),
  );
  const commands = await readSettled(
    brokers,
    [env.VIGIL_TOPIC_COMMANDS!],
    (read) => read.length >= control.commands,
    60_000,
  );
  const jtis = commands.map((message) => message.headers!['vigil-decision-id']!.toString());
  const twice = commands.filter((_, i) => jtis.indexOf(jtis[i]!) !== i);
  assert.deepEqual(
    twice.map((message) =>
      JSON.parse(Buffer.from(message.value!.toString().split('.')[1]!, 'base64url').toString()),
    ),
    [],
    'no command published twice',
  );
  const of = (kind: string) => documents.filter((document) => document.kind === kind);
  return {
    signals: unique(
      of('signals').map(({ body }) =>
        signalFinding(
          body.user.id,
          body.vigil.signal!.type,
          body.vigil.event_id,
          body.vigil.evidence?.ip,
          body.vigil.evidence?.scope,
        ),
      ),
    ),
    decisions: unique(
      of('decisions')
        .filter(({ body }) => !sprayOnly(body.vigil.signals ?? []))
        .map(({ body }) => `${body.user.id} ${body.vigil.event_id}`),
    ),
    commands: commands.length,
    documents: documents.length,
    distinctDocuments: new Set(documents.map((document) => document.id)).size,
  };
}

/**
 * Produces lines keyed by user to their topics at a steady rate, through broker outages, each exactly
 * once: every chunk goes in a transaction (the processor reads committed messages only), and a chunk
 * whose transaction failed is sent again by a new producer with the same transactional id, which
 * aborts whatever the old one left open. A plain producer that retries writes some chunks twice.
 */
export async function produceSteadily(
  brokers: readonly string[],
  env: Record<string, string>,
  lines: readonly string[],
  perSecond: number,
): Promise<void> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: uniqueName('chaos-producer'),
    logLevel: logLevel.NOTHING,
  });
  const transactionalId = uniqueName('chaos-producer');
  const connected = async () => {
    for (;;) {
      const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
        return producer;
      } catch {
        await producer.disconnect().catch(() => {});
        await sleep(500);
      }
    }
  };
  let producer = await connected();
  // As the processor writes: kafkajs alone may commit a chunk without some of its partitions.
  const admin = kafka.admin();
  await admin.connect();
  const writer = new PartitionedWriter(async () => admin);
  const chunk = Math.max(1, Math.round(perSecond / 10));
  const started = performance.now();
  for (let i = 0; i < lines.length; i += chunk) {
    const part = lines.slice(i, i + chunk).map((line) => {
      const event = JSON.parse(line) as { user_id: string; action?: string };
      return {
        topic: event.action ? env.VIGIL_TOPIC_ACCESS! : env.VIGIL_TOPIC_AUTH!,
        key: event.user_id,
        value: line,
      };
    });
    const messages = new Map(
      [...new Set(part.map((m) => m.topic))].map((topic) => [
        topic,
        part.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
      ]),
    );
    for (;;) {
      try {
        const transaction = await producer.transaction();
        await writer.send(transaction, messages);
        await transaction.commit();
        break;
      } catch {
        // The broker is away: the emitter waits, as a real one would, and starts afresh.
        await producer.disconnect().catch(() => {});
        await sleep(500);
        producer = await connected();
      }
    }
    const wait = started + ((i + chunk) / perSecond) * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await producer.disconnect();
  await admin.disconnect();
}

/** The run found what replay finds: the same signals, decisions and commands, every event once. */
export function assertSameFindings(run: Findings, control: Findings): void {
  const missing = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));
  assert.equal(
    run.documents,
    control.documents,
    `every document committed once (${run.distinctDocuments} distinct ids); signals only in the run: ${missing(run.signals, control.signals).join(', ')}; only in replay: ${missing(control.signals, run.signals).join(', ')}`,
  );
  assert.deepEqual(run.signals, control.signals);
  assert.deepEqual(run.decisions, control.decisions);
  assert.equal(run.commands, control.commands);
}
