import type { Admin, Consumer, Kafka } from 'kafkajs';

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
 *
 * Resolves once the look-back read is done: every partition read up to the end of its committed
 * records (its last stable offset) at the moment this started. Before that, a revocation of the last hour could still be unknown, and a service that
 * answered "not revoked" would let an attacker's session through.
 */
export async function consumeCommands(options: KafkaSourceOptions): Promise<Consumer> {
  const { kafka, topic, groupId, lookBackMs } = options;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, number>;
  let lows: Map<number, number>;
  let starts: { partition: number; offset: string }[];
  let from: Map<number, number>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
    lows = new Map(offsets.map((p) => [p.partition, Number(p.low)]));
    starts =
      lookBackMs > 0 ? await admin.fetchTopicOffsetsByTimestamp(topic, options.now() - lookBackMs) : [];
    from = lookBackMs > 0 ? offsetsOf(starts) : await committedOffsets(admin, groupId, topic, ends);
  } finally {
    await admin.disconnect();
  }
  // What is left to read, by partition: from where reading starts to the end offset of now. A committed
  // offset the log no longer holds makes the consumer start at the end, with nothing to read.
  const pending = new Set(
    [...ends]
      .filter(([partition, end]) => {
        const start = from.get(partition) ?? end;
        return start >= lows.get(partition)! && start < end;
      })
      .map(([partition]) => partition),
  );
  const consumer = kafka.consumer({ groupId, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const caughtUp = new Promise<void>((resolve) => {
      if (!pending.size) return resolve();
      // Also emitted for batches of transaction markers alone, which end most partitions Vigil writes.
      const stop = consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (Number(payload.lastOffset) + 1 >= ends.get(payload.partition)!) pending.delete(payload.partition);
        if (pending.size) return;
        stop();
        resolve();
      });
    });
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
    await caughtUp;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return consumer;
}

const offsetsOf = (offsets: readonly { partition: number; offset: string }[]) =>
  new Map(offsets.map(({ partition, offset }) => [partition, Number(offset)]));

/** Where the group resumes: its committed offsets, or the end where it has none (it starts at the end). */
async function committedOffsets(admin: Admin, groupId: string, topic: string, ends: Map<number, number>) {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const from = new Map<number, number>();
  for (const { partition, offset } of committed?.partitions ?? [])
    from.set(partition, Number(offset) >= 0 ? Number(offset) : ends.get(partition)!);
  return from;
}
