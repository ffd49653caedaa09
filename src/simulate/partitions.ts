import { Partitioners as KafkaPartitioners, type Producer } from 'kafkajs';
import { loadConfig, type Config } from '../config/index.ts';
import { createLogger } from '../ops/logger.ts';
import { createKafka } from '../pipeline/kafka.ts';

/** Sends events to the auth or access topic by their kind, keyed by user, as emitters do. */
export class Partitions {
  readonly #producer: Producer;
  readonly #topics: { auth: string; access: string };

  private constructor(producer: Producer, topics: { auth: string; access: string }) {
    this.#producer = producer;
    this.#topics = topics;
  }

  static async connect(config: Config = loadConfig()): Promise<Partitions> {
    const kafka = createKafka(config.kafka, createLogger({ level: 'warn', destination: process.stderr }));
    const producer = kafka.producer({ createPartitioner: KafkaPartitioners.DefaultPartitioner });
    await producer.connect();
    return new Partitions(producer, config.kafka.topics);
  }

  async send(events: readonly Record<string, unknown>[]): Promise<void> {
    const auth = events.filter((event) => !('action' in event));
    const access = events.filter((event) => 'action' in event);
    const message = (event: Record<string, unknown>) => ({
      key: String(event.user_id),
      value: JSON.stringify(event),
    });
    await this.#producer.sendBatch({
      topicMessages: [
        ...(auth.length ? [{ topic: this.#topics.auth, messages: auth.map(message) }] : []),
        ...(access.length ? [{ topic: this.#topics.access, messages: access.map(message) }] : []),
      ],
    });
  }

  async close(): Promise<void> {
    await this.#producer.disconnect();
  }
}
