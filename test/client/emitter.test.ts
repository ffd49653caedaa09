import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { createEmitter, VigilClientError } from '../../packages/client/src/index.ts';
import { KAFKA_BROKERS } from '../harness/endpoints.ts';
import { createTopic } from '../harness/factories.ts';

test('an event that breaks the v1 contract is a typed error at the call site, naming the field', () => {
  const emitter = createEmitter({ brokers: KAFKA_BROKERS });
  assert.throws(
    () => emitter.access({ user_id: 'dave', ip: '10.0.0.300', action: 'read', resource: '/r', records: 1 }),
    (error: unknown) =>
      error instanceof VigilClientError &&
      error.code === 'invalid_event' &&
      /^access event: ip: expected an IPv4 or IPv6 address$/.test(error.message),
  );
  assert.throws(
    () => emitter.signedIn({ user_id: '', ip: '10.0.0.1', geo: { lat: 91, lon: 0 } }),
    /^VigilClientError: auth event: user_id: .*; geo\.lat: /,
  );
});

test('events reach Kafka keyed by user, in batches, with callers held back while the buffer is full', async (t) => {
  const { kafka, topic } = await createTopic(t, 3);
  const { topic: accessTopic } = await createTopic(t, 3);
  const emitter = createEmitter({
    kafka,
    topics: { auth: topic, access: accessTopic },
    service: 'portal',
    batchSize: 50,
    maxBufferedEvents: 100,
  });
  t.after(() => emitter.close());
  const users = ['ana', 'bo', 'cy', 'dee'];
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, emitter.buffered())), 1);
  // Sent without waiting: 900 of them wait for room instead of piling up in memory.
  const sends = Array.from({ length: 1000 }, (_, i) =>
    emitter.signedIn({ user_id: users[i % 4]!, ip: '10.0.0.1', event_id: `e-${i}` }),
  );
  assert.equal(emitter.buffered(), 100);
  await Promise.all(sends);
  await emitter.flush();
  clearInterval(sampler);
  assert.equal(emitter.buffered(), 0);
  assert.ok(peak <= 100 && peak > 0, `at most the buffer outstanding, saw ${peak}`);

  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: {
    key: string;
    partition: number;
    event: { event_id: string; type: string; service: string };
  }[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({ key: message.key!.toString(), partition, event: JSON.parse(message.value!.toString()) });
        if (seen.length === 1000) resolve();
      },
    });
  });
  await consumer.disconnect();
  assert.equal(new Set(seen.map((m) => m.event.event_id)).size, 1000);
  assert.ok(seen.every((m) => m.event.type === 'login_success' && m.event.service === 'portal'));
  // One partition per user, the one Java's partitioner and Vigil's own tools choose.
  const partitioner = Partitioners.DefaultPartitioner();
  for (const user of users) {
    const partitions = new Set(seen.filter((m) => m.key === user).map((m) => m.partition));
    assert.deepEqual(
      [...partitions],
      [
        partitioner({
          topic,
          partitionMetadata: [0, 1, 2].map((p) => ({
            partitionId: p,
            leader: 0,
            partitionErrorCode: 0,
            replicas: [0],
            isr: [0],
          })),
          message: { key: user, value: '' },
        }),
      ],
    );
  }
  const order = seen.filter((m) => m.key === 'ana').map((m) => Number(m.event.event_id.slice(2)));
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
    "a user's events stay in order",
  );
});
