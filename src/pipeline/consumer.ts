import type { Batch, Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { EventKind } from '../events/index.ts';
import type { Logger } from '../ops/logger.ts';
import type { PipelineMetrics } from '../ops/metrics.ts';
import { signSecurityEvent, type CommandSettings } from '../sinks/commands/security-event.ts';
import type { SigningKey } from '../sinks/commands/signing.ts';
import { documentsOf } from '../sinks/search/documents.ts';
import { deadLetter, originOf } from './dead-letter.ts';
import type { Engine, Outcome } from './engine.ts';
import { groupCommit, type BatchCommit } from './group-commit.ts';
import { groupMembership, nextOffset, transactionalProducer } from './kafka.ts';
import { batchRetry, StoppedError } from './retry.ts';

export interface PipelineParts {
  readonly kafka: Kafka;
  readonly config: Config;
  readonly engine: Engine;
  /** Whether to commit search documents for the indexer; false when the search sink is off. */
  readonly indexDocuments: boolean;
  readonly signingKey: SigningKey;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
}

/**
 * `vigil run`: per batch, validate → enrich → state and signals (one Redis round trip) → one Kafka
 * transaction holding the commands, the dead letters, the search documents and the consumer offsets.
 * The offsets move only with everything else, so a crash anywhere redoes the batch, and every effect
 * of a redo is the same: same state (kept first views), everything committed exactly once. The search
 * engine is written by the indexer, so its stalls never delay a revocation. Several partitions are
 * processed at once, each in order; their batches share transactions.
 */
export class Pipeline {
  readonly #parts: PipelineParts;
  readonly #consumer: Consumer;
  readonly #producer: Producer;
  readonly #kinds: ReadonlyMap<string, EventKind>;
  readonly #commandSettings: CommandSettings;
  readonly #commit: (batch: BatchCommit) => Promise<void>;
  readonly #releasing = new Set<Promise<void>>();
  readonly #inGroup: () => boolean;
  #stopping = false;

  constructor(parts: PipelineParts) {
    this.#parts = parts;
    const { kafka: settings } = parts.config;
    this.#kinds = new Map<string, EventKind>([
      [settings.topics.auth, 'auth'],
      [settings.topics.access, 'access'],
    ]);
    this.#consumer = parts.kafka.consumer({
      groupId: settings.groupId,
      readUncommitted: false,
      maxBytesPerPartition: settings.maxBytesPerPartition,
    });
    this.#inGroup = groupMembership(this.#consumer);
    this.#producer = transactionalProducer(
      parts.kafka,
      `${settings.clientId}-${settings.groupId}-${settings.instanceId}`,
    );
    this.#commandSettings = parts.config.commands;
    this.#commit = groupCommit(this.#producer, settings.groupId);
  }

  /** True once the consumer is in its group; false while stopping. */
  get ready(): boolean {
    return this.#inGroup() && !this.#stopping;
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    await this.#producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#kinds.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: this.#parts.config.kafka.partitionsConcurrently,
      eachBatch: (payload) => this.#handle(payload),
    });
  }

  /** Lets the batch in hand finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
    await Promise.all(this.#releasing);
    await this.#producer.disconnect();
  }

  async #handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const { engine, metrics, logger, config } = this.#parts;
    const started = performance.now();
    const kind = this.#kinds.get(batch.topic);
    metrics.consumed(batch.topic, batch.messages.length);
    const retry = batchRetry(payload, metrics, logger, 'the batch');

    try {
      const processed = await retry('state', () =>
        engine.process(
          batch.messages.map((m) => ({ value: m.value ?? Buffer.alloc(0), ...(kind && { kind }) })),
        ),
      );
      const outcomes = processed.outcomes;

      const deadLetters: Message[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status !== 'rejected') return;
        const malformed =
          outcome.reason.startsWith('malformed JSON') || outcome.reason === 'expected a JSON object';
        metrics.deadLettered(malformed ? 'malformed' : 'invalid', 1);
        deadLetters.push(deadLetter(originOf(batch, batch.messages[i]!), outcome.reason));
      });

      const commands = this.#commands(outcomes);
      const { topics } = config.kafka;
      const messages = [
        { topic: topics.commands, messages: commands.messages },
        { topic: topics.deadLetter, messages: deadLetters },
        {
          topic: topics.documents,
          messages: this.#parts.indexDocuments ? this.#documents(batch, outcomes) : [],
        },
      ].filter((output) => output.messages.length);
      const offset = nextOffset(batch);
      await retry('kafka', () =>
        this.#commit({
          messages,
          offset: { topic: batch.topic, partition: batch.partition, offset },
        }),
      );
      // The batch is durable everywhere: its kept first views can go, with a later round trip.
      const releasing = processed
        .release()
        .catch((error: unknown) => logger.warn({ err: error }, 'releasing state failed'))
        .finally(() => this.#releasing.delete(releasing));
      this.#releasing.add(releasing);

      this.#count(outcomes, commands.actions);
      metrics.lag(batch.topic, batch.partition, Number(batch.offsetLag()));
      metrics.batchSeconds((performance.now() - started) / 1000);
    } catch (error) {
      if (error instanceof StoppedError) return; // not committed: the next owner of the partition redoes it
      throw error;
    }
  }

  /**
   * A batch's documents travel as one message, a JSON array: Kafka's cost is per message, and the
   * indexer writes them in one bulk request anyway. Keyed by source partition, to spread the load.
   */
  #documents(batch: Batch, outcomes: readonly Outcome[]): Message[] {
    const ingested = new Date().toISOString();
    const { indexPrefix } = this.#parts.config.search;
    const documents = outcomes.flatMap((outcome) => documentsOf(outcome, indexPrefix, ingested));
    if (documents.length === 0) return [];
    return [{ key: `${batch.topic}/${batch.partition}`, value: JSON.stringify(documents) }];
  }

  #commands(outcomes: readonly Outcome[]) {
    const { signingKey } = this.#parts;
    const messages: Message[] = [];
    const actions: { action: string; occurredAt: string }[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') continue;
      const decision = outcome.decision;
      if (!decision || decision.action === 'allow') continue;
      messages.push({
        key: decision.user_id,
        value: signSecurityEvent(decision, this.#commandSettings, signingKey),
        headers: { 'content-type': 'application/secevent+jwt', 'vigil-decision-id': decision.id },
      });
      actions.push({ action: decision.action, occurredAt: decision.occurred_at });
    }
    return { messages, actions };
  }

  #count(outcomes: readonly Outcome[], commands: { action: string; occurredAt: string }[]) {
    const { metrics } = this.#parts;
    const counts = { processed: 0, duplicate: 0, rejected: 0 };
    for (const outcome of outcomes) {
      counts[outcome.status]++;
      if (outcome.status !== 'processed') continue;
      for (const signal of outcome.signals) metrics.signal(signal.type);
      if (outcome.decision) metrics.decision(outcome.decision.action);
    }
    for (const [status, count] of Object.entries(counts))
      if (count) metrics.outcome(status as keyof typeof counts, count);
    const now = Date.now();
    for (const { action, occurredAt } of commands) {
      metrics.command(action);
      metrics.eventToCommandSeconds((now - Date.parse(occurredAt)) / 1000);
    }
  }
}
