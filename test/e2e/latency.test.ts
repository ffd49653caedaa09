import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners, type ConfigResourceTypes } from 'kafkajs';
import { KAFKA_BROKERS } from '../harness/endpoints.ts';
import { uniqueName } from '../harness/factories.ts';
import { SAMPLE, readTopic } from '../harness/streams.ts';
import { deployment, runVigil, startVigil, waitReady } from '../harness/vigil-process.ts';

// The sample's planted incidents end in 9 commands (see the pipeline test); its events date from March
// 2026, months before any run of this test, and one is delivered twice.
const EXPECTED_COMMANDS = 9;
const PROCESSED_EVENTS = SAMPLE.length - 1;
const TOPIC_RESOURCE: ConfigResourceTypes = 2;

async function kafkaAdmin(t: TestContext, env: Record<string, string>) {
  const kafka = new Kafka({
    brokers: KAFKA_BROKERS,
    clientId: uniqueName('test'),
    logLevel: logLevel.NOTHING,
  });
  // Patient: a loaded broker takes a while to elect the leaders of a new topic.
  const admin = kafka.admin({ retry: { retries: 10 } });
  await admin.connect();
  t.after(async () => {
    const topics = ['AUTH', 'ACCESS', 'COMMANDS', 'DEAD_LETTER', 'DOCUMENTS'].map(
      (name) => env[`VIGIL_TOPIC_${name}`]!,
    );
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  });
  const timestampTypes = async (topics: string[]) => {
    const { resources } = await admin.describeConfigs({
      resources: topics.map((name) => ({
        type: TOPIC_RESOURCE,
        name,
        configNames: ['message.timestamp.type'],
      })),
      includeSynonyms: false,
    });
    return Object.fromEntries(
      resources.map((resource) => [resource.resourceName, resource.configEntries[0]?.configValue]),
    );
  };
  return { kafka, admin, timestampTypes };
}

const bucket = (metrics: string, name: string, le: string) =>
  Number(new RegExp(`^${name}_bucket\\{le="${le.replace('+', '\\+')}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);

test('e2e: a back-fill of months-old events, with their old record timestamps, pages no one', async (t) => {
  const { env } = deployment();
  const { kafka, timestampTypes } = await kafkaAdmin(t, env);
  await runVigil(env, ['setup', '--skip-search']);
  assert.deepEqual(
    await timestampTypes([env.VIGIL_TOPIC_AUTH!, env.VIGIL_TOPIC_ACCESS!, env.VIGIL_TOPIC_COMMANDS!]),
    {
      [env.VIGIL_TOPIC_AUTH!]: 'LogAppendTime',
      [env.VIGIL_TOPIC_ACCESS!]: 'LogAppendTime',
      [env.VIGIL_TOPIC_COMMANDS!]: 'CreateTime',
    },
  );
  const vigil = await startVigil(t, { ...env, VIGIL_LOG_LEVEL: 'info', VIGIL_PROGRESS_INTERVAL_MS: '1000' }, [
    'run',
    '--no-search',
  ]);
  await waitReady(vigil);

  // A back-fill tool that keeps each event's own time as its record timestamp, the worst case.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const events = SAMPLE.map(
    (line) => JSON.parse(line) as { user_id: string; action?: string; occurred_at: string },
  );
  for (const kind of ['auth', 'access'] as const)
    await producer.send({
      topic: kind === 'auth' ? env.VIGIL_TOPIC_AUTH! : env.VIGIL_TOPIC_ACCESS!,
      messages: SAMPLE.flatMap((line, i) =>
        (events[i]!.action ? 'access' : 'auth') === kind
          ? [{ key: events[i]!.user_id, value: line, timestamp: String(Date.parse(events[i]!.occurred_at)) }]
          : [],
      ),
    });
  await producer.disconnect();
  await readTopic(env.VIGIL_TOPIC_COMMANDS!, EXPECTED_COMMANDS);

  let metrics = '';
  for (let tries = 0; tries < 50; tries++) {
    metrics = await (await fetch(`http://127.0.0.1:${vigil.port}/metrics`)).text();
    if (bucket(metrics, 'vigil_event_to_command_seconds', '+Inf') === EXPECTED_COMMANDS) break;
    await sleep(200);
  }
  // From arrival: every command within a minute of its event reaching Kafka, none months late.
  assert.equal(bucket(metrics, 'vigil_event_to_command_seconds', '+Inf'), EXPECTED_COMMANDS);
  assert.equal(bucket(metrics, 'vigil_event_to_command_seconds', '60'), EXPECTED_COMMANDS);
  // The events' own age is its own metric: every one older than 30 days.
  assert.equal(bucket(metrics, 'vigil_event_time_lag_seconds', '+Inf'), PROCESSED_EVENTS);
  assert.equal(bucket(metrics, 'vigil_event_time_lag_seconds', '2592000'), 0);

  const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  assert.equal(`${lint.stdout}${lint.stderr}`, '');
  assert.equal(lint.status, 0);

  const progressLines = () =>
    vigil
      .output()
      .split('\n')
      .filter((line) => line.includes('"component":"progress"'))
      .map((line) => JSON.parse(line) as { events: number; msg: string });
  const counted = () => progressLines().reduce((sum, line) => sum + line.events, 0);
  for (let tries = 0; tries < 100 && counted() < SAMPLE.length; tries++) await sleep(200);
  assert.equal(counted(), SAMPLE.length, 'the progress lines count every event read');
  const progress = progressLines();
  assert.match(progress.at(-1)!.msg, /^[\d.]+ events\/s, lag \d+, \d+ signals?, decisions: allow \d+, /);
  assert.equal(await vigil.stop('SIGTERM'), 0);
});

test('e2e: setup warns about an input topic that keeps the emitters’ timestamps', async (t) => {
  const { env } = deployment();
  const { admin, timestampTypes } = await kafkaAdmin(t, env);
  await admin.createTopics({
    topics: [{ topic: env.VIGIL_TOPIC_AUTH!, numPartitions: 1 }],
    waitForLeaders: false,
  });
  const output = await runVigil(env, ['setup', '--skip-search']);
  const warning = output
    .split('\n')
    .filter((line) => line.includes('CreateTime'))
    .map((line) => JSON.parse(line) as { level: string; topics: string[] });
  assert.deepEqual(
    warning.map(({ level, topics }) => ({ level, topics })),
    [{ level: 'warn', topics: [env.VIGIL_TOPIC_AUTH] }],
  );
  assert.deepEqual(await timestampTypes([env.VIGIL_TOPIC_AUTH!, env.VIGIL_TOPIC_ACCESS!]), {
    [env.VIGIL_TOPIC_AUTH!]: 'CreateTime',
    [env.VIGIL_TOPIC_ACCESS!]: 'LogAppendTime',
  });
});
