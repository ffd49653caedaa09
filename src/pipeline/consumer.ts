import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { EventKind } from '../events/index.ts';
import type { Logger } from '../ops/logger.ts';
import type { PipelineMetrics } from '../ops/metrics.ts';
import { signSecurityEvent, type CommandSettings } from '../sinks/commands/security-event.ts';
import type { SigningKey } from '../sinks/commands/signing.ts';
import type { Client } from '@elastic/elasticsearch';
import { documentsOf, type SearchDocument } from '../sinks/search/documents.ts';
import { groupWriter, type RejectedDocument } from '../sinks/search/writer.ts';
import { deadLetter } from './dead-letter.ts';
import type { Engine, Outcome } from './engine.ts';
import { groupCommit, type BatchCommit } from './group-commit.ts';
import { groupMembership, nextOffset } from './kafka.ts';
import { batchRetry, StoppedError } from './retry.ts';

export interface PipelineParts {
  readonly kafka: Kafka;
  readonly config: Config;
  readonly engine: Engine;
  /** Absent when the search sink is off. */
  readonly search?: Client;
  readonly signingKey: SigningKey;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
}

/**
 * `vigil run`: per batch, validate → enrich → state and signals (one Redis round trip) → search sink →
 * one Kafka transaction holding the commands, the dead letters and the consumer offsets. The offsets
 * move only with everything else, so a crash anywhere redoes the batch, and every effect of a redo is
 * the same: same document ids, same state (kept first views), commands committed exactly once.
 * Several partitions are processed at once, each in order; their batches share bulk requests and
 * transactions.
 */
export class Pipeline {
  readonly #parts: PipelineParts;
  readonly #consumer: Consumer;
  readonly #producer: Producer;
  readonly #kinds: ReadonlyMap<string, EventKind>;
  readonly #commandSettings: CommandSettings;
  readonly #commit: (batch: BatchCommit) => Promise<void>;
  readonly #write?: (documents: readonly SearchDocument[]) => Promise<RejectedDocument[]>;
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
    // The same instance keeps its transactional id across restarts: the new producer fences the old
    // one and aborts its open transaction at once, instead of readers waiting for it to time out.
    this.#producer = parts.kafka.producer({
      transactionalId: `${settings.clientId}-${settings.groupId}-${settings.instanceId}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionTimeout: 30_000,
      // Kafka refuses a transaction's first write while it still closes the previous one
      // (CONCURRENT_TRANSACTIONS) for a few milliseconds; kafkajs's default first back-off, 300 ms,
      // would add that to every such batch.
      retry: { initialRetryTime: 20, retries: 8 },
    });
    this.#commandSettings = parts.config.commands;
    this.#commit = groupCommit(this.#producer, settings.groupId);
    if (parts.search) this.#write = groupWriter(parts.search);
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
    const write = this.#write;
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
      const origins = batch.messages.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
      }));

      const deadLetters: Message[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status !== 'rejected') return;
        const malformed =
          outcome.reason.startsWith('malformed JSON') || outcome.reason === 'expected a JSON object';
        metrics.deadLettered(malformed ? 'malformed' : 'invalid', 1);
        deadLetters.push(deadLetter(origins[i]!, outcome.reason));
      });

      if (write) {
        const ingested = new Date().toISOString();
        const byOutcome = outcomes.map((outcome) =>
          documentsOf(outcome, config.search.indexPrefix, ingested),
        );
        const rejected = await retry('search', () => write(byOutcome.flat()));
        for (const { document, reason } of rejected) {
          const i = byOutcome.findIndex((docs) => docs.includes(document));
          metrics.deadLettered('search_rejected', 1);
          deadLetters.push(
            deadLetter(origins[i]!, `search engine rejected the ${document.kind} document: ${reason}`),
          );
        }
      }

      const commands = this.#commands(outcomes);
      const { topics } = config.kafka;
      const messages = [
        { topic: topics.commands, messages: commands.messages },
        { topic: topics.deadLetter, messages: deadLetters },
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
