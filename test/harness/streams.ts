import { readFileSync } from 'node:fs';
import { Kafka, Partitioners, logLevel, type KafkaMessage } from 'kafkajs';
import { KAFKA_BROKERS } from './endpoints.ts';
import { uniqueName } from './factories.ts';

export const SAMPLE = readFileSync(new URL('../fixtures/sample.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');

const kafka = () =>
  new Kafka({ brokers: KAFKA_BROKERS, clientId: uniqueName('test-client'), logLevel: logLevel.NOTHING });

/** Produces NDJSON events to the topic of their kind, keyed by user as emitters do. */
export async function produceEvents(
  env: Record<string, string>,
  lines: readonly string[],
  extra: { topic: string; value: string }[] = [],
) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const byTopic = new Map<string, { key: string | null; value: string }[]>();
  for (const line of lines) {
    const event = JSON.parse(line) as { user_id: string; action?: string };
    const topic = event.action ? env.VIGIL_TOPIC_ACCESS! : env.VIGIL_TOPIC_AUTH!;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: event.user_id, value: line }]);
  }
  for (const { topic, value } of extra)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: null, value }]);
  for (const [topic, messages] of byTopic) {
    for (let i = 0; i < messages.length; i += 500)
      await producer.send({ topic, messages: messages.slice(i, i + 500) });
  }
  await producer.disconnect();
}

/** Reads a topic from the start (committed transactions only) until `count` messages or the timeout. */
export async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafka().consumer({ groupId: uniqueName('reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic}: ${messages.length} of ${count} messages after ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
