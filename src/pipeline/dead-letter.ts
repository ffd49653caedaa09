import type { Batch, KafkaMessage, Message } from 'kafkajs';

/** Where a message came from, so it can be found, fixed and replayed. */
export interface MessageOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A consumed message's origin: its batch's topic and partition, its own offset, key and bytes. */
export function originOf(batch: Pick<Batch, 'topic' | 'partition'>, message: KafkaMessage): MessageOrigin {
  const { offset, key, value } = message;
  return { topic: batch.topic, partition: batch.partition, offset, key, value };
}

export const DEAD_LETTER_HEADERS = {
  reason: 'vigil-reason',
  /** A stable code (`invalid`, `event_time_out_of_range`, …) to route on; the reason is for people. */
  code: 'vigil-reason-code',
  topic: 'vigil-source-topic',
  partition: 'vigil-source-partition',
  offset: 'vigil-source-offset',
  failedAt: 'vigil-failed-at',
} as const;

/** The original bytes, untouched, with the reason, its code and the origin in headers. */
export function deadLetter(origin: MessageOrigin, code: string, reason: string, now = new Date()): Message {
  return {
    key: origin.key,
    value: origin.value,
    headers: {
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.code]: code,
      [DEAD_LETTER_HEADERS.topic]: origin.topic,
      [DEAD_LETTER_HEADERS.partition]: String(origin.partition),
      [DEAD_LETTER_HEADERS.offset]: origin.offset,
      [DEAD_LETTER_HEADERS.failedAt]: now.toISOString(),
    },
  };
}
