import type { Consumer, Kafka } from 'kafkajs';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly groupId: string;
  /** On start, commands are read again from this long ago, whatever the group had committed. */
  readonly lookBackMs: number;
  readonly now: () => number;
  /** Throws to have the message read again (keys unavailable); returns once it is settled. */
  readonly receive: (token: string) => Promise<unknown>;
}

/**
 * Reads the commands topic in a consumer group of this instance alone (every instance must see every
 * command). An enforcer keeping its commands in memory knows nothing after a restart, so it starts
 * `lookBackMs` back (its keep time) instead of from its committed position, which only a look-back of
 * zero uses. Only committed transactions are read: Vigil writes commands in transactions.
 */
export async function consumeCommands(options: KafkaSourceOptions): Promise<Consumer> {
  const { kafka, topic, lookBackMs } = options;
  const starts = lookBackMs > 0 ? await offsetsAt(kafka, topic, options.now() - lookBackMs) : [];
  const consumer = kafka.consumer({ groupId: options.groupId, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const joined = new Promise<void>((resolve) => {
      const stop = consumer.on(consumer.events.GROUP_JOIN, () => {
        stop();
        resolve();
      });
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) await options.receive(message.value.toString());
      },
    });
    for (const { partition, offset } of starts) consumer.seek({ topic, partition, offset });
    await joined;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return consumer;
}

async function offsetsAt(kafka: Kafka, topic: string, timestampMs: number) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
  } finally {
    await admin.disconnect();
  }
}
