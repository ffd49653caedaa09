import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedis, createSearch, createTopic, uniqueName } from '../harness/factories.ts';

test('kafka: 500 keyed messages go through a real broker to a consumer group and its offsets are committed', async (t) => {
  const { kafka, admin, topic } = await createTopic(t);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({
    topic,
    messages: Array.from({ length: 500 }, (_, i) => ({
      key: `user-${i % 20}`,
      value: JSON.stringify({ i }),
    })),
  });
  const groupId = uniqueName('group');
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set<number>();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages)
          seen.add((JSON.parse(message.value!.toString()) as { i: number }).i);
        if (seen.size === 500) resolve();
      },
    });
  });
  await consumer.stop();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  assert.equal(seen.size, 500);
  assert.equal(committed, 500);
});

test('search: an index template maps geo_point, bulk writes land, and search and aggregations find them', async (t) => {
  const { client, engine, prefix } = await createSearch(t);
  assert.equal(engine, 'opensearch');
  await client.indices.putIndexTemplate({
    name: `${prefix}-events`,
    index_patterns: [`${prefix}-events*`],
    template: {
      settings: { number_of_replicas: 0 },
      mappings: {
        properties: {
          '@timestamp': { type: 'date' },
          user: { properties: { id: { type: 'keyword' } } },
          source: { properties: { geo: { properties: { location: { type: 'geo_point' } } } } },
        },
      },
    },
  });
  const index = `${prefix}-events`;
  const docs = [
    { id: 'a', user: 'alice', lat: 51.5, lon: -0.12 },
    { id: 'b', user: 'alice', lat: -23.55, lon: -46.63 },
    { id: 'c', user: 'bob', lat: 48.85, lon: 2.35 },
  ];
  const dropped: unknown[] = [];
  const result = await client.helpers.bulk({
    datasource: docs.map((doc) => ({
      id: doc.id,
      '@timestamp': '2026-03-01T09:00:00Z',
      user: { id: doc.user },
      source: { geo: { location: { lat: doc.lat, lon: doc.lon } } },
    })),
    onDocument: ({ id }) => ({ index: { _index: index, _id: id } }),
    onDrop: (drop) => dropped.push(drop),
    refreshOnCompletion: index,
  });
  assert.deepEqual(dropped, []);
  assert.equal(result.successful, 3);
  const response = await client.search({
    index,
    query: { term: { 'user.id': 'alice' } },
    aggs: { users: { terms: { field: 'user.id' } } },
    size: 0,
  });
  assert.equal((response.hits.total as { value: number }).value, 2);
  const mapping = await client.indices.getMapping({ index });
  assert.equal(
    (
      mapping[index]!.mappings.properties!.source as {
        properties: { geo: { properties: { location: { type: string } } } };
      }
    ).properties.geo.properties.location.type,
    'geo_point',
  );
});

test('redis: a Lua script defined through ioredis runs on the real server', async (t) => {
  const client = await createRedis(t);
  client.defineCommand('incrByTwo', { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], 2)" });
  const key = uniqueName('smoke');
  const run = (client as unknown as { incrByTwo: (key: string) => Promise<number> }).incrByTwo.bind(client);
  assert.deepEqual([await run(key), await run(key)], [2, 4]);
  await client.del(key);
});
