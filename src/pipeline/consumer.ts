import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Batch,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
} from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { EventKind, RejectionCode } from '../events/index.ts';
import type { Logger } from '../ops/logger.ts';
import type { PipelineMetrics } from '../ops/metrics.ts';
import { Progress } from '../ops/progress.ts';
import { signSecurityEvent, type CommandSettings } from '../sinks/commands/security-event.ts';
import type { SigningKey } from '../sinks/commands/signing.ts';
import type { CheckpointedStore } from '../state/store.ts';
import { documentsOf, type SearchDocument } from '../sinks/search/documents.ts';
import { feedbackDocumentsOf } from '../sinks/search/feedback-documents.ts';
import { deadLetter, originOf } from './dead-letter.ts';
import { Checkpoints, type Plan } from './checkpoints.ts';
import type { DecisionRecord, Engine, FeedbackOutcome, Outcome } from './engine.ts';
import { assertCoPartitioned, CoPartitionedAssigner } from './co-partitioned.ts';
import { briefly, PermanentFailure } from './errors.ts';
import { GroupCommitter } from './group-commit.ts';
import { assertStillOwned, consumerTimeouts, groupMembership, heartbeating } from './kafka.ts';
import { batchRetry, StoppedError } from './retry.ts';

export interface PipelineParts {
  readonly kafka: Kafka;
  readonly config: Config;
  readonly engine: Engine;
  /** The engine's state, held in this process and checkpointed to Redis. */
  readonly state: CheckpointedStore;
  /** Whether to commit search documents for the indexer; false when the search sink is off. */
  readonly indexDocuments: boolean;
  readonly signingKey: SigningKey;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
}

/**
 * `vigil run`: per batch, validate → enrich → state and signals (in memory) → one Kafka transaction
 * holding the commands, the dead letters, the search documents and the consumer offsets. The offsets
 * move only with everything else, so a crash anywhere redoes the batch. Its state is checkpointed to
 * Redis as of committed offsets, and whoever redoes the batch first replays the state up to them
 * (`Checkpoints`): every effect of a redo is the same, everything committed exactly once. The search
 * engine is written by the indexer, so its stalls never delay a revocation. Several partitions are
 * processed at once, each in order; their batches share transactions.
 */
export class Pipeline {
  readonly #parts: PipelineParts;
  readonly #consumer: Consumer;
  readonly #committer: GroupCommitter;
  readonly #progress = new Progress();
  readonly #kinds: ReadonlyMap<string, EventKind | 'feedback'>;
  readonly #commandSettings: CommandSettings;
  readonly #releasing = new Set<Promise<void>>();
  readonly #inGroup: () => boolean;
  /** Per partition, the offset after the last message this process committed. */
  readonly #committedUpTo = new Map<string, bigint>();
  readonly #checkpoints: Checkpoints;
  #stopping = false;

  constructor(parts: PipelineParts) {
    this.#parts = parts;
    const { kafka: settings } = parts.config;
    // Verdicts come keyed by user and partitioned as events, so the processor that owns a user's events
    // applies their verdicts too, in the same transactions: it stays the only writer of their state.
    this.#kinds = new Map<string, EventKind | 'feedback'>([
      [settings.topics.auth, 'auth'],
      [settings.topics.access, 'access'],
      [settings.topics.feedback, 'feedback'],
    ]);
    this.#consumer = parts.kafka.consumer({
      groupId: settings.groupId,
      ...consumerTimeouts(settings),
      readUncommitted: false,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      partitionAssigners: [CoPartitionedAssigner],
    });
    this.#inGroup = groupMembership(this.#consumer);
    this.#checkpoints = new Checkpoints(
      parts.state,
      parts.config.redis.checkpointIntervalMs,
      parts.metrics,
      parts.logger,
    );
    // Partitions may have moved: the state of the users of the ones kept is replayed from Redis.
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => this.#checkpoints.invalidate());
    // A batch of transaction markers alone never reaches `eachBatch`, yet may be where a replay ends.
    this.#consumer.on(this.#consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0)
        this.#checkpoints.passed(`${payload.topic}/${payload.partition}`, Number(payload.lastOffset) + 1);
    });
    this.#committer = new GroupCommitter({
      kafka: parts.kafka,
      transactionalId: `${settings.clientId}-${settings.groupId}-${settings.instanceId}`,
      groupId: settings.groupId,
      logger: parts.logger,
      progress: this.#progress,
      onReplaced: () => parts.metrics.producerReplaced('pipeline'),
    });
    this.#commandSettings = parts.config.commands;
  }

  get progress(): Progress {
    return this.#progress;
  }

  /** True once the consumer is in its group; false while stopping or unable to commit. */
  get ready(): boolean {
    return this.#inGroup() && !this.#stopping && this.#progress.failure === undefined;
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    await this.#committer.connect();
    const topics = [...this.#kinds.keys()];
    await assertCoPartitioned(this.#parts.kafka, topics);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
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
    await this.#checkpoints
      .flush()
      .catch((error: unknown) =>
        this.#parts.logger.warn({ err: briefly(error) }, 'the last checkpoint failed'),
      );
    await this.#committer.disconnect();
  }

  async #handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const first = batch.messages[0];
    if (!first) return;
    const started = performance.now();
    try {
      const { heartbeatIntervalMs } = this.#parts.config.kafka;
      const input = `${batch.topic}/${batch.partition}`;
      const done = await this.#progress.holding(() =>
        heartbeating(payload, heartbeatIntervalMs, () =>
          this.#checkpoints.batch(
            input,
            () => this.#startOf(batch, first),
            (plan) => this.#follow(payload, plan),
          ),
        ),
      );
      this.#checkpoints.due();
      if (done === 'waiting') return await sleep(WAIT_FOR_REPLAY_MS);
      if (done !== 'processed') return;
      const lag = Number(batch.offsetLag());
      this.#parts.metrics.lag(batch.topic, batch.partition, lag);
      this.#progress.lag(batch.topic, batch.partition, lag);
      this.#parts.metrics.batchSeconds((performance.now() - started) / 1000);
    } catch (error) {
      if (error instanceof StoppedError) return; // not committed: the next owner of the partition redoes it
      throw error;
    }
  }

  /**
   * Does what the plan says with a batch. Rewinding and waiting read the partition again from an
   * offset (kafkajs drops what it fetched past a seek); a replayed batch's rest is read again too,
   * since the other inputs of its partition number may still be replaying.
   */
  async #follow(
    payload: EachBatchPayload,
    plan: Plan,
  ): Promise<'processed' | 'replayed' | 'waiting' | 'rewound'> {
    const { batch } = payload;
    const readAgainFrom = (offset: string | number) =>
      this.#consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(offset) });
    if (plan.kind === 'rewind') {
      readAgainFrom(plan.to);
      return 'rewound';
    }
    // Fetched before a seek of this partition took effect: what was asked for comes next.
    if (payload.isStale()) return 'rewound';
    switch (plan.kind) {
      case 'wait':
        readAgainFrom(batch.messages[0]!.offset);
        return 'waiting';
      case 'replay': {
        const offsetOf = (message: KafkaMessage) => Number(message.offset);
        const old = batch.messages.filter((m) => offsetOf(m) >= plan.from && offsetOf(m) < plan.until);
        if (old.length) await this.#replay(payload, old);
        const rest = batch.messages.find((m) => offsetOf(m) >= plan.until);
        if (rest) {
          this.#checkpoints.passed(`${batch.topic}/${batch.partition}`, plan.until);
          readAgainFrom(rest.offset);
        }
        return 'replayed';
      }
      case 'process': {
        const messages = this.#notYetCommitted(batch);
        if (messages.length === 0) return 'processed';
        this.#parts.metrics.consumed(batch.topic, messages.length);
        await this.#process(payload, messages);
        return 'processed';
      }
    }
  }

  /** Applies messages whose effects are committed to state only: their outputs were made already. */
  async #replay(payload: EachBatchPayload, messages: readonly KafkaMessage[]): Promise<void> {
    const { batch } = payload;
    const retry = batchRetry(payload, this.#parts.metrics, this.#parts.logger, 'a replay');
    const judged = await retry('state', () => this.#judge(batch, messages));
    await judged.release();
    this.#checkpoints.replayed(`${batch.topic}/${batch.partition}`, Number(after(messages)), messages.length);
  }

  /**
   * A batch's messages from the first this process has not committed. kafkajs may hand over a batch
   * fetched before its partition's previous batch was committed (a fetch from the old leader answered
   * after a leader change): what this process committed is never processed twice. Offsets only move
   * forward, so the mark stays true across rebalances.
   */
  #notYetCommitted(batch: Batch): readonly KafkaMessage[] {
    const next = this.#committedUpTo.get(`${batch.topic}/${batch.partition}`);
    if (next === undefined || BigInt(batch.messages[0]?.offset ?? next) >= next) return batch.messages;
    return batch.messages.filter((message) => BigInt(message.offset) >= next);
  }

  /**
   * Where the state must stand before a batch, after the state was dropped: past what was committed,
   * which a stale fetch or a failed commit that went through puts after the batch's first message.
   */
  async #startOf(batch: Batch, first: KafkaMessage): Promise<number> {
    const input = `${batch.topic}/${batch.partition}`;
    const committed = await this.#committer.resolveUncertain(batch.topic, batch.partition);
    if (committed !== undefined) this.#raiseCommitted(input, committed);
    return Math.max(Number(first.offset), Number(this.#committedUpTo.get(input) ?? 0n));
  }

  /** Also where the state in memory now stands for the checkpoints. */
  #markCommitted(topic: string, partition: number, next: string): void {
    const input = `${topic}/${partition}`;
    this.#raiseCommitted(input, next);
    this.#checkpoints.advanced(input, Number(next));
  }

  /** Offsets only move forward. */
  #raiseCommitted(input: string, next: string): void {
    const known = this.#committedUpTo.get(input);
    if (known === undefined || BigInt(next) > known) this.#committedUpTo.set(input, BigInt(next));
  }

  /**
   * Processes a run of a batch's messages and commits it with the offset after its last message. What
   * retrying cannot fix (an event the state or Kafka refuses) splits the run in halves, each processed
   * on its own, until the messages that fail alone go to the dead-letter topic; the rest carry on, in
   * order. Redoing a half that was applied before is safe: the store serves its kept first views.
   */
  async #process(payload: EachBatchPayload, messages: readonly KafkaMessage[]): Promise<void> {
    try {
      await this.#processRun(payload, messages);
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      if (messages.length === 1) return this.#isolateAfterRetries(payload, messages[0]!, error);
      const half = Math.ceil(messages.length / 2);
      this.#parts.logger.warn(
        { code: error.code, err: briefly(error.cause), messages: messages.length },
        'a batch failed for good: splitting it to isolate the cause',
      );
      await this.#process(payload, messages.slice(0, half));
      await this.#process(payload, messages.slice(half));
    }
  }

  async #processRun(payload: EachBatchPayload, messages: readonly KafkaMessage[]): Promise<void> {
    const { batch } = payload;
    const { config } = this.#parts;
    const retry = batchRetry(payload, this.#parts.metrics, this.#parts.logger, 'the batch', true);
    const stateStarted = performance.now();
    const judged = await retry('state', () => this.#judge(batch, messages));
    this.#parts.metrics.stageSeconds('state', (performance.now() - stateStarted) / 1000);

    const deadLetters: Message[] = [];
    judged.rejections.forEach((rejection, i) => {
      if (!rejection) return;
      this.#parts.metrics.deadLettered(rejection.code, 1);
      deadLetters.push(deadLetter(originOf(batch, messages[i]!), rejection.code, rejection.reason));
    });

    const commands = this.#commands(judged.decisions, messages);
    const { topics } = config.kafka;
    const output = [
      { topic: topics.commands, messages: commands.messages },
      { topic: topics.deadLetter, messages: deadLetters },
      {
        topic: topics.documents,
        messages: this.#parts.indexDocuments ? this.#documents(batch, judged.documents()) : [],
      },
    ].filter((o) => o.messages.length);
    const offset = { topic: batch.topic, partition: batch.partition, offset: after(messages) };
    const kafkaStarted = performance.now();
    await retry('kafka', () => {
      assertStillOwned(payload);
      return this.#committer.commit({ messages: output, offset });
    });
    this.#markCommitted(batch.topic, batch.partition, offset.offset);
    this.#parts.metrics.stageSeconds('kafka', (performance.now() - kafkaStarted) / 1000);
    // The run is durable everywhere: its kept first views can go, with a later round trip.
    const releasing = judged
      .release()
      .catch((error: unknown) => this.#parts.logger.warn({ err: briefly(error) }, 'releasing state failed'))
      .finally(() => this.#releasing.delete(releasing));
    this.#releasing.add(releasing);
    judged.count();
    this.#countCommands(commands.actions);
  }

  /** A run's messages through the engine: events, or analysts' verdicts from the feedback topic. */
  async #judge(batch: Batch, messages: readonly KafkaMessage[]): Promise<Judged> {
    const { engine, config } = this.#parts;
    const kind = this.#kinds.get(batch.topic);
    const inputs = messages.map((m) => ({
      value: m.value ?? Buffer.alloc(0),
      origin: `${batch.topic}/${batch.partition}@${m.offset}`,
    }));
    const { indexPrefix } = config.search;
    if (kind === 'feedback') {
      const { outcomes, release } = await engine.feedback(inputs);
      return {
        rejections: outcomes.map((o) => (o.status === 'rejected' ? o : undefined)),
        decisions: outcomes.map((o) => (o.status === 'rejected' ? undefined : o.decision)),
        documents: () => outcomes.flatMap((o) => feedbackDocumentsOf(o, indexPrefix)),
        release,
        count: () => this.#countFeedback(outcomes),
      };
    }
    const { outcomes, release } = await engine.process(
      inputs.map((input) => ({ ...input, ...(kind && { kind }) })),
    );
    return {
      rejections: outcomes.map((o) => (o.status === 'rejected' ? o : undefined)),
      decisions: outcomes.map((o) => (o.status === 'rejected' ? undefined : o.decision)),
      documents: () => outcomes.flatMap((o) => documentsOf(o, indexPrefix)),
      release,
      count: () => this.#count(outcomes),
    };
  }

  /**
   * A message that fails alone is tried a few more times, spaced out, before it is given up: a failure
   * taken for permanent during a dependency's transition (a failover, a slot migration) then passes,
   * and only what fails every time is dead-lettered.
   */
  async #isolateAfterRetries(
    payload: EachBatchPayload,
    message: KafkaMessage,
    failure: PermanentFailure,
  ): Promise<void> {
    for (const delayMs of SINGLE_RETRY_DELAYS_MS) {
      await sleep(delayMs);
      await payload.heartbeat();
      try {
        return await this.#processRun(payload, [message]);
      } catch (error) {
        if (!(error instanceof PermanentFailure)) throw error;
        failure = error;
      }
    }
    return this.#isolate(payload, message, failure);
  }

  /**
   * One message that fails alone, for good: to the dead-letter topic with the failure, committed with
   * its offset. Until that commit succeeds the partition waits, nothing is dropped, and readiness says why.
   */
  async #isolate(payload: EachBatchPayload, message: KafkaMessage, failure: PermanentFailure): Promise<void> {
    const { batch } = payload;
    const { metrics, logger, config } = this.#parts;
    logger.error(
      {
        code: failure.code,
        err: briefly(failure.cause),
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
      },
      'an event fails processing for good: dead-lettered',
    );
    const letter = deadLetter(originOf(batch, message), 'processing_failed', failure.message);
    const retry = batchRetry(payload, metrics, logger, 'a dead letter');
    const offset = { topic: batch.topic, partition: batch.partition, offset: after([message]) };
    await retry('dead_letter', () => {
      assertStillOwned(payload);
      return this.#committer.commit({
        messages: [{ topic: config.kafka.topics.deadLetter, messages: [letter] }],
        offset,
      });
    });
    this.#markCommitted(batch.topic, batch.partition, offset.offset);
    metrics.deadLettered('processing_failed', 1);
    metrics.outcome('rejected', 1);
  }

  /**
   * A batch's documents travel as one message, a JSON array: Kafka's cost is per message, and the
   * indexer writes them in one bulk request anyway. Keyed by source partition, to spread the load.
   */
  #documents(batch: Batch, documents: readonly SearchDocument[]): Message[] {
    if (documents.length === 0) return [];
    return [{ key: `${batch.topic}/${batch.partition}`, value: JSON.stringify(documents) }];
  }

  /**
   * The commands of a run, each with the Kafka timestamp of the event that triggered it: on input topics
   * `vigil setup` creates, the broker's append time (LogAppendTime), so latency counts from arrival.
   */
  #commands(decisions: readonly (DecisionRecord | undefined)[], received: readonly KafkaMessage[]) {
    const { signingKey } = this.#parts;
    const messages: Message[] = [];
    const actions: { action: string; receivedMs: number }[] = [];
    for (const [i, decision] of decisions.entries()) {
      if (!decision || decision.action === 'allow') continue;
      messages.push({
        key: decision.user_id,
        value: signSecurityEvent(decision, this.#commandSettings, signingKey),
        headers: { 'content-type': 'application/secevent+jwt', 'vigil-decision-id': decision.id },
      });
      actions.push({ action: decision.action, receivedMs: Number(received[i]!.timestamp) });
    }
    return { messages, actions };
  }

  #count(outcomes: readonly Outcome[]) {
    const { metrics } = this.#parts;
    const counts = { processed: 0, duplicate: 0, rejected: 0 };
    const now = Date.now();
    for (const outcome of outcomes) {
      counts[outcome.status]++;
      if (outcome.status !== 'processed') continue;
      // An event ahead of this clock (within the accepted skew) is not yet old: 0, not negative.
      metrics.eventTimeLagSeconds(Math.max(0, now - outcome.enriched.atMs) / 1000);
      for (const signal of outcome.signals) metrics.signal(signal.type);
      if (outcome.decision) metrics.decision(outcome.decision.action);
    }
    for (const [status, count] of Object.entries(counts))
      if (count) metrics.outcome(status as keyof typeof counts, count);
  }

  /** Verdicts count as events do: an applied one as processed. */
  #countFeedback(outcomes: readonly FeedbackOutcome[]) {
    const { metrics } = this.#parts;
    const counts = { processed: 0, duplicate: 0, rejected: 0 };
    for (const outcome of outcomes) {
      counts[outcome.status === 'applied' ? 'processed' : outcome.status]++;
      if (outcome.status === 'applied' && outcome.decision) metrics.decision(outcome.decision.action);
    }
    for (const [status, count] of Object.entries(counts))
      if (count) metrics.outcome(status as keyof typeof counts, count);
  }

  #countCommands(commands: readonly { action: string; receivedMs: number }[]) {
    const { metrics } = this.#parts;
    const now = Date.now();
    for (const { action, receivedMs } of commands) {
      metrics.command(action);
      // The broker's clock against this one: a few milliseconds behind reads as 0, not negative.
      metrics.eventToCommandSeconds(Math.max(0, now - receivedMs) / 1000);
    }
  }
}

/** How long a partition waits for the other inputs of its partition number to finish replaying. */
const WAIT_FOR_REPLAY_MS = 50;

/** What one run of messages came to, whichever topic it was read from. */
interface Judged {
  /** Per message: why it goes to the dead-letter topic, if it does. */
  readonly rejections: readonly ({ readonly code: RejectionCode; readonly reason: string } | undefined)[];
  /** Per message: the decision it led to, if any; a command when it acts. */
  readonly decisions: readonly (DecisionRecord | undefined)[];
  documents(): SearchDocument[];
  release(): Promise<void>;
  count(): void;
}

/** Waits before each extra try of a message that failed alone. */
const SINGLE_RETRY_DELAYS_MS = [250, 1000, 4000];

/** The offset to commit once a run of messages is done: the one after its last. */
const after = (messages: readonly KafkaMessage[]) => (BigInt(messages.at(-1)!.offset) + 1n).toString();
