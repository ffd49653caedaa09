import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../ops/logger.ts';
import { coalesce } from '../sinks/coalesce.ts';
import { briefly } from './errors.ts';
import { PartitionedWriter, transactionalProducer } from './kafka.ts';
import type { Progress } from '../ops/progress.ts';

/** What one partition's batch must make durable: its output messages and its next offset. */
export interface BatchCommit {
  readonly messages: readonly { readonly topic: string; readonly messages: readonly Message[] }[];
  readonly offset: { readonly topic: string; readonly partition: number; readonly offset: string };
}

/** Closing a producer whose broker is gone must not hold the batch longer than this. */
const DISCONNECT_TIMEOUT_MS = 5_000;

/**
 * Commits batches of several partitions in one transaction: a producer holds one transaction at a
 * time, and a transaction costs the same round trips for one partition or twenty. A failed transaction
 * fails every batch in it; each retries, unchanged, since none of it was committed.
 *
 * A producer whose transaction could not be ended (a broker died while it committed or aborted) is left
 * by kafkajs in a state where it can neither abort nor begin again. It is closed and replaced by a new
 * producer with the same transactional id, whose start fences the old one: Kafka completes or aborts
 * the open transaction. Whether that transaction committed is then read from the group's committed
 * offsets, so a batch is redone only if it was not committed, and never twice.
 */
export class GroupCommitter {
  readonly #kafka: Kafka;
  readonly #transactionalId: string;
  readonly #groupId: string;
  readonly #logger: Logger;
  #producer: Producer;
  #connected = false;
  #renewing: Promise<void> | undefined;
  #admin: Admin | undefined;
  readonly #writer = new PartitionedWriter(() => this.#adminClient());
  /** Batches whose transaction failed while it was being committed: they may have committed. */
  readonly #uncertain = new Set<string>();
  readonly #commitTogether: (batch: BatchCommit) => Promise<void>;
  readonly #onReplaced: () => void;
  readonly #progress: Progress | undefined;

  constructor(options: {
    kafka: Kafka;
    transactionalId: string;
    groupId: string;
    logger: Logger;
    /** Told of every commit and every failure to commit, for health. */
    progress?: Progress;
    onReplaced?: () => void;
  }) {
    const { kafka, transactionalId } = options;
    this.#kafka = kafka;
    this.#transactionalId = transactionalId;
    this.#groupId = options.groupId;
    this.#logger = options.logger;
    this.#onReplaced = options.onReplaced ?? (() => {});
    this.#progress = options.progress;
    this.#producer = transactionalProducer(kafka, transactionalId);
    this.#commitTogether = coalesce((batches: readonly BatchCommit[]) => this.#transact(batches));
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    await this.#admin?.disconnect().catch(() => {});
    await this.#producer.disconnect();
  }

  async commit(batch: BatchCommit): Promise<void> {
    try {
      await this.#commitOnce(batch);
      this.#progress?.committed();
    } catch (error) {
      this.#progress?.failed(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  async #commitOnce(batch: BatchCommit): Promise<void> {
    const key = keyOf(batch);
    if (this.#uncertain.has(key)) {
      // The new producer's start completes or aborts the old transaction: only then do offsets tell.
      await this.#ensureProducer();
      const committed = await this.#committedOffset(batch.offset);
      this.#uncertain.delete(key);
      if (committed !== undefined && BigInt(committed) >= BigInt(batch.offset.offset)) return;
    }
    try {
      await this.#commitTogether(batch);
    } catch (error) {
      if (error instanceof UncertainCommit) {
        this.#uncertain.add(key);
        throw error.cause;
      }
      throw error;
    }
  }

  async #transact(batches: readonly BatchCommit[]): Promise<undefined[]> {
    await this.#ensureProducer();
    const messages = new Map<string, Message[]>();
    const offsets = new Map<string, { partition: number; offset: string }[]>();
    for (const batch of batches) {
      for (const output of batch.messages)
        messages.set(output.topic, [...(messages.get(output.topic) ?? []), ...output.messages]);
      const { topic, partition, offset } = batch.offset;
      offsets.set(topic, [...(offsets.get(topic) ?? []), { partition, offset }]);
    }
    let transaction;
    try {
      transaction = await this.#producer.transaction();
    } catch (error) {
      this.#broken(error);
      throw error;
    }
    let committing = false;
    try {
      // Offsets first: their first request waits out the previous transaction's markers, so the
      // writes after it find the transaction open.
      const topics = [...offsets].map(([topic, partitions]) => ({ topic, partitions }));
      await whilePreviousCloses(() => transaction.sendOffsets({ consumerGroupId: this.#groupId, topics }));
      await this.#writer.send(transaction, messages);
      committing = true;
      await transaction.commit();
    } catch (error) {
      if (!committing) {
        this.#writer.forget(); // a partition count may have changed
        await transaction.abort().catch((abortError: unknown) => this.#broken(abortError));
        throw error;
      }
      // The end of the transaction was sent and failed: it may or may not have been written.
      this.#broken(error);
      throw new UncertainCommit(error);
    }
    return batches.map(() => undefined);
  }

  /** Marks the producer for replacement before the next transaction; never swallows why. */
  #broken(error: unknown): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#logger.warn({ err: briefly(error) }, 'producer transaction state broken; replacing the producer');
  }

  /** A working producer: the current one, or its replacement, made once however many wait for it. */
  async #ensureProducer(): Promise<void> {
    if (this.#connected) return;
    this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    await this.#renewing;
  }

  async #renew(): Promise<void> {
    const old = this.#producer;
    await Promise.race([old.disconnect().catch(() => {}), sleep(DISCONNECT_TIMEOUT_MS)]);
    this.#producer = transactionalProducer(this.#kafka, this.#transactionalId);
    await this.#producer.connect();
    this.#connected = true;
    this.#onReplaced();
    this.#logger.info('producer replaced; the open transaction was fenced');
  }

  async #adminClient(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      await admin.connect();
      this.#admin = admin;
    }
    return this.#admin;
  }

  /**
   * When a commit of the partition failed in a way that may have gone through: the group's committed
   * offset, once the transaction left open is fenced. Otherwise nothing (and no round trip: a group
   * with transactions left open by dead members answers only once they time out).
   */
  async resolveUncertain(topic: string, partition: number): Promise<string | undefined> {
    const prefix = `${topic}/${partition}@`;
    const keys = [...this.#uncertain].filter((key) => key.startsWith(prefix));
    if (keys.length === 0) return undefined;
    await this.#ensureProducer();
    const committed = await this.#committedOffset({ topic, partition });
    for (const key of keys) this.#uncertain.delete(key);
    return committed;
  }

  async #committedOffset(
    at: Pick<BatchCommit['offset'], 'topic' | 'partition'>,
  ): Promise<string | undefined> {
    const [topic] = await (
      await this.#adminClient()
    ).fetchOffsets({ groupId: this.#groupId, topics: [at.topic] });
    const found = topic?.partitions.find((p) => p.partition === at.partition)?.offset;
    return found === undefined || found === '-1' ? undefined : found;
  }
}

class UncertainCommit extends Error {
  constructor(cause: unknown) {
    super('the transaction may have committed', { cause });
  }
}

const keyOf = (batch: BatchCommit) =>
  `${batch.offset.topic}/${batch.offset.partition}@${batch.offset.offset}`;

/**
 * For a few milliseconds after a commit, while Kafka still writes its markers, the next transaction's
 * first request is refused with CONCURRENT_TRANSACTIONS. kafkajs retries that for messages (with the
 * producer's back-off) but not for offsets; a batch that only moves offsets would otherwise fail.
 */
async function whilePreviousCloses(attempt: () => Promise<void>): Promise<void> {
  for (let delayMs = 5; ; delayMs *= 2) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || delayMs > 1000) throw error;
      await sleep(delayMs);
    }
  }
}
