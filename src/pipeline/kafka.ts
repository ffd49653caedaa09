import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Batch,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
  type Message,
  type PartitionMetadata,
  type Producer,
  type SASLOptions,
  type Transaction,
} from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { Logger } from '../ops/logger.ts';
import { StoppedError } from './retry.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Routine, not warnings: Kafka refuses a transaction's first write for a few milliseconds after the
// previous commit, while it writes that commit's markers, and the producer retries it at once; and
// the producer's retries are limited on purpose, since a failed transaction is aborted and redone.
const ROUTINE =
  /another concurrent operation on the same transaction was ongoing|Limiting retries for the idempotent producer/;

/** A kafkajs client whose own logs go through pino as JSON. */
export function createKafka(config: Config['kafka'], logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    ...(config.sasl && { sasl: config.sasl as SASLOptions }),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const routine = ROUTINE.test(String(extra.error ?? message));
        kafkaLogger[routine ? 'debug' : (LEVELS[level] ?? 'info')]({ namespace, ...extra }, message);
      },
  });
}

/**
 * How soon the group notices a member is gone: a processor killed without leaving holds its partitions
 * until its session times out, so a short session means a fast takeover. The price: a member that
 * cannot heartbeat for that long (a long GC pause, a batch stuck without its retries' heartbeats) is
 * taken out and its partitions move; its batch in hand is then redone by the new owner, not lost.
 */
export function consumerTimeouts(config: Config['kafka']) {
  return { sessionTimeout: config.sessionTimeoutMs, heartbeatInterval: config.heartbeatIntervalMs };
}

/**
 * Runs a batch's work while heartbeating: work held by a slow dependency (a Redis failover, a broker
 * election) would otherwise outlast the session, and the group would hand the partition to a new
 * owner while this one still finishes the batch, both committing it.
 */
export async function heartbeating<T>(
  payload: Pick<EachBatchPayload, 'heartbeat'>,
  intervalMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(() => void payload.heartbeat().catch(() => {}), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Just before a commit: a batch whose partition moved away, or whose consumer stops, is not committed. */
export function assertStillOwned(payload: Pick<EachBatchPayload, 'isRunning' | 'isStale'>): void {
  if (!payload.isRunning() || payload.isStale()) throw new StoppedError();
}

/** Whether a consumer is in its group: in from joining, out from crashing until it joins again. */
export function groupMembership(consumer: Consumer): () => boolean {
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  consumer.on(consumer.events.CRASH, () => (joined = false));
  return () => joined;
}

/** The offset to commit once a batch is done: the one after its last message. */
export function nextOffset(batch: Batch): string {
  return (BigInt(batch.lastOffset()) + 1n).toString();
}

/**
 * A producer for exactly-once batches. Give it the same id across restarts of the same instance: the
 * new producer fences the old one and aborts its open transaction at once, instead of readers waiting
 * for it to time out.
 */
export function transactionalProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionTimeout: 30_000,
    // A failed write is retried at once: it goes to one partition at a time (see PartitionedWriter).
    retry: { initialRetryTime: 5, retries: 10 },
  });
}

/**
 * Writes a transaction's messages one partition at a time. kafkajs sends a write to all its partitions'
 * leaders at once, and its retries lose track of which were written: a request that fails while another
 * is still in flight sends both again (the second copy gets a new sequence number and is committed next
 * to the first), and a partition whose leader moved to a broker that had already answered is not sent
 * at all (its transaction commits without it). A write to one partition is retried alone, and its broker
 * drops a copy it already holds.
 */
export class PartitionedWriter {
  readonly #admin: () => Promise<Admin>;
  /** Each topic's partitions, to place every message before it is sent. */
  readonly #partitions = new Map<string, PartitionMetadata[]>();
  readonly #partitioner = Partitioners.DefaultPartitioner();

  constructor(admin: () => Promise<Admin>) {
    this.#admin = admin;
  }

  async send(transaction: Transaction, messages: ReadonlyMap<string, readonly Message[]>): Promise<void> {
    const parts = new Map<string, { topic: string; messages: Message[] }>();
    for (const [topic, list] of messages) {
      const partitionMetadata = await this.#partitionsOf(topic);
      for (const message of list) {
        const partition = this.#partitioner({ topic, partitionMetadata, message });
        const key = `${topic}/${partition}`;
        if (!parts.has(key)) parts.set(key, { topic, messages: [] });
        parts.get(key)!.messages.push({ ...message, partition });
      }
    }
    for (const part of parts.values()) await transaction.send(part);
  }

  /** After a failed write: a topic may have gained partitions. */
  forget(): void {
    this.#partitions.clear();
  }

  async #partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.#partitions.get(topic);
    if (known) return known;
    const { topics } = await (await this.#admin()).fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]!.partitions;
    this.#partitions.set(topic, partitions);
    return partitions;
  }
}
