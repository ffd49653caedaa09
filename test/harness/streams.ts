import { readFileSync } from 'node:fs';
import { Kafka, Partitioners, logLevel, type KafkaMessage } from 'kafkajs';
import { KAFKA_BROKERS } from './endpoints.ts';
import { uniqueName } from './factories.ts';

export const SAMPLE = readFileSync(new URL('../fixtures/sample.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');

const kafka = () =>
  new Kafka({ brokers: KAFKA_BROKERS, clientId: uniqueName('test-client'), logLevel: logLevel.NOTHING });

/**
 * Produces NDJSON events to the topic of their kind, keyed by user as emitters do, in their order and
 * in chunks that carry both topics, so auth and access events arrive side by side as they happen.
 * With `perSecond`, chunks leave on a fixed schedule (an open loop) instead of as fast as possible.
 */
export async function produceEvents(
  env: Record<string, string>,
  lines: readonly string[],
  extra: { topic: string; value: string }[] = [],
  perSecond = 0,
) {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = [
    ...lines.map((line) => {
      const event = JSON.parse(line) as { user_id: string; action?: string };
      return {
        topic: event.action ? env.VIGIL_TOPIC_ACCESS! : env.VIGIL_TOPIC_AUTH!,
        key: event.user_id as string | null,
        value: line,
      };
    }),
    ...extra.map(({ topic, value }) => ({ topic, key: null, value })),
  ];
  const chunk = perSecond ? Math.max(1, Math.round(perSecond / 20)) : 500;
  const started = performance.now();
  for (let i = 0; i < messages.length; i += chunk) {
    const part = messages.slice(i, i + chunk);
    const topics = [...new Set(part.map((m) => m.topic))];
    await producer.sendBatch({
      topicMessages: topics.map((topic) => ({
        topic,
        messages: part.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
      })),
    });
    const wait = perSecond ? started + ((i + chunk) / perSecond) * 1000 - performance.now() : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await producer.disconnect();
}

/** Reads a topic from the start (committed transactions only) until `count` messages or the timeout. */
export function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  return readTopicUntil(
    topic,
    (messages) => messages.length >= count,
    timeoutMs,
    (messages) => `${messages.length} of ${count} messages`,
  );
}

/** Reads a topic from the start (committed transactions only) until `done` says so, or the timeout. */
export async function readTopicUntil(
  topic: string,
  done: (messages: readonly KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
  progress = (messages: readonly KafkaMessage[]) => `${messages.length} messages, not done`,
): Promise<KafkaMessage[]> {
  const consumer = kafka().consumer({ groupId: uniqueName('reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic}: ${progress(messages)} after ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (done(messages)) {
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
