import type { Client } from '@elastic/elasticsearch';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { Logger } from '../ops/logger.ts';
import type { IndexerMetrics } from '../ops/metrics.ts';
import type { SearchDocument } from '../sinks/search/documents.ts';
import { ingestPipelineName } from '../sinks/search/templates.ts';
import { groupWriter, type RejectedDocument } from '../sinks/search/writer.ts';
import { deadLetter, originOf } from './dead-letter.ts';
import { GroupCommitter } from './group-commit.ts';
import { assertStillOwned, consumerTimeouts, groupMembership, heartbeating, nextOffset } from './kafka.ts';
import { Progress } from '../ops/progress.ts';
import { batchRetry, StoppedError } from './retry.ts';

export interface IndexerParts {
  readonly kafka: Kafka;
  readonly config: Config;
  readonly search: Client;
  readonly metrics: IndexerMetrics;
  readonly logger: Logger;
}

/**
 * Writes the documents the pipeline committed to the search engine, in a consumer group of its own:
 * a slow or stopped engine holds back the dashboards, never a revocation. Documents keep their ids,
 * so a batch redone after a crash rewrites them unchanged; documents the engine refuses go to the
 * dead-letter topic in one transaction with the offsets.
 */
export class SearchIndexer {
  readonly #parts: IndexerParts;
  readonly #consumer: Consumer;
  readonly #committer: GroupCommitter;
  readonly #progress = new Progress();
  readonly #inGroup: () => boolean;
  readonly #write: (documents: readonly SearchDocument[]) => Promise<RejectedDocument[]>;
  #stopping = false;

  constructor(parts: IndexerParts) {
    this.#parts = parts;
    const { clientId, groupId, instanceId, maxBytesPerPartition } = parts.config.kafka;
    const indexerGroup = `${groupId}-search`;
    this.#consumer = parts.kafka.consumer({
      groupId: indexerGroup,
      ...consumerTimeouts(parts.config.kafka),
      readUncommitted: false,
      maxBytesPerPartition,
    });
    this.#inGroup = groupMembership(this.#consumer);
    this.#committer = new GroupCommitter({
      kafka: parts.kafka,
      transactionalId: `${clientId}-${indexerGroup}-${instanceId}`,
      groupId: indexerGroup,
      logger: parts.logger,
      progress: this.#progress,
      onReplaced: () => parts.metrics.producerReplaced('indexer'),
    });
    this.#write = groupWriter(parts.search, ingestPipelineName(parts.config.search.indexPrefix));
  }

  get progress(): Progress {
    return this.#progress;
  }

  get ready(): boolean {
    return this.#inGroup() && !this.#stopping && this.#progress.failure === undefined;
  }

  async start(): Promise<void> {
    const { kafka } = this.#parts.config;
    await this.#committer.connect();
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [kafka.topics.documents], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: kafka.partitionsConcurrently,
      eachBatch: (payload) =>
        this.#progress.holding(() =>
          heartbeating(payload, kafka.heartbeatIntervalMs, () => this.#handle(payload)),
        ),
    });
  }

  /** Lets the batch in hand finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
    await this.#committer.disconnect();
  }

  async #handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const { config, metrics, logger } = this.#parts;
    const retry = batchRetry(payload, metrics, logger, 'the documents');
    try {
      const documents = new Map<SearchDocument, KafkaMessage>();
      const deadLetters: Message[] = [];
      for (const message of batch.messages) {
        const found = documentsIn(message);
        if (!found)
          deadLetters.push(
            deadLetter(originOf(batch, message), 'malformed', 'not a batch of search documents'),
          );
        for (const document of found ?? []) documents.set(document, message);
      }
      const searchStarted = performance.now();
      const rejected = await retry('search', () => this.#write([...documents.keys()]));
      metrics.stageSeconds('search', (performance.now() - searchStarted) / 1000);
      for (const { document, reason } of rejected) {
        // The refused document alone, so it can be fixed and sent again as a batch of one.
        const value = Buffer.from(JSON.stringify([document]));
        deadLetters.push(
          deadLetter(
            { ...originOf(batch, documents.get(document)!), value },
            'search_rejected',
            `search engine rejected the ${document.kind} document: ${reason}`,
          ),
        );
      }
      await retry('kafka', () => {
        assertStillOwned(payload);
        return this.#committer.commit({
          messages: deadLetters.length
            ? [{ topic: config.kafka.topics.deadLetter, messages: deadLetters }]
            : [],
          offset: { topic: batch.topic, partition: batch.partition, offset: nextOffset(batch) },
        });
      });
      if (deadLetters.length) metrics.deadLettered('search_rejected', deadLetters.length);
      metrics.indexed(documents.size - rejected.length);
      // Only transactions write this topic, and each ends in a marker that takes an offset but is no
      // document: lag 1 behind the end is none.
      const lag = Math.max(0, Number(batch.offsetLag()) - 1);
      metrics.lag(batch.topic, batch.partition, lag);
      this.#progress.lag(batch.topic, batch.partition, lag);
    } catch (error) {
      if (error instanceof StoppedError) return; // not committed: the next owner of the partition redoes it
      throw error;
    }
  }
}

/** The documents a message carries: a JSON array, as the pipeline writes it. */
function documentsIn(message: KafkaMessage): SearchDocument[] | undefined {
  try {
    const documents = JSON.parse(message.value?.toString() ?? '') as unknown;
    if (Array.isArray(documents) && documents.every(isDocument)) return documents;
  } catch {
    // falls through: not documents
  }
  return undefined;
}

function isDocument(value: unknown): value is SearchDocument {
  const { index, id, kind, body } = (value ?? {}) as Partial<SearchDocument>;
  return typeof index === 'string' && typeof id === 'string' && typeof kind === 'string' && !!body;
}
