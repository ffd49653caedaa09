import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, Producer } from 'kafkajs';
import { coalesce } from '../sinks/coalesce.ts';

/** What one partition's batch must make durable: its output messages and its next offset. */
export interface BatchCommit {
  readonly messages: readonly { readonly topic: string; readonly messages: readonly Message[] }[];
  readonly offset: { readonly topic: string; readonly partition: number; readonly offset: string };
}

/**
 * Commits batches of several partitions in one transaction: a producer holds one transaction at a
 * time, and a transaction costs the same round trips for one partition or twenty. A failed transaction
 * fails every batch in it; each retries, unchanged, since none of it was committed.
 */
export function groupCommit(producer: Producer, groupId: string): (batch: BatchCommit) => Promise<void> {
  return coalesce(async (batches: readonly BatchCommit[]) => {
    const messages = new Map<string, Message[]>();
    const offsets = new Map<string, { partition: number; offset: string }[]>();
    for (const batch of batches) {
      for (const output of batch.messages)
        messages.set(output.topic, [...(messages.get(output.topic) ?? []), ...output.messages]);
      const { topic, partition, offset } = batch.offset;
      offsets.set(topic, [...(offsets.get(topic) ?? []), { partition, offset }]);
    }
    const transaction = await producer.transaction();
    try {
      const topicMessages = [...messages].map(([topic, list]) => ({ topic, messages: list }));
      if (topicMessages.length) await transaction.sendBatch({ topicMessages });
      const topics = [...offsets].map(([topic, partitions]) => ({ topic, partitions }));
      await whilePreviousCloses(() => transaction.sendOffsets({ consumerGroupId: groupId, topics }));
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    return batches.map(() => undefined);
  });
}

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
