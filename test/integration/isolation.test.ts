import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../src/config/index.ts';
import { createKafka } from '../../src/pipeline/kafka.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { Pipeline } from '../../src/pipeline/consumer.ts';
import { DEAD_LETTER_HEADERS } from '../../src/pipeline/dead-letter.ts';
import { stateLimits } from '../../src/pipeline/engine.ts';
import { StateKeys } from '../../src/state/redis/keys.ts';
import { RedisStateStore } from '../../src/state/redis/store.ts';
import type { CheckpointedStore, StateOp } from '../../src/state/store.ts';
import { signingKeyFromConfig } from '../../src/sinks/commands/key-config.ts';
import { createEngine } from '../../src/cli/wiring.ts';
import { createRedis, uniqueName } from '../harness/factories.ts';
import { produceEvents, readTopic, readTopicUntil } from '../harness/streams.ts';
import { deployment, runVigil } from '../harness/vigil-process.ts';

/** A store that fails for good on one user's events, as a value the state cannot take would. */
class PoisonedStore implements CheckpointedStore {
  readonly #inner: CheckpointedStore;

  constructor(inner: CheckpointedStore) {
    this.#inner = inner;
  }

  async apply(ops: readonly StateOp[]) {
    if (ops.some((op) => op.user === 'poison')) throw new TypeError('cannot store this value');
    return this.#inner.apply(ops);
  }

  release(ops: readonly StateOp[]) {
    return this.#inner.release(ops);
  }

  close() {
    return this.#inner.close();
  }

  checkpoint(offsets: ReadonlyMap<string, number>) {
    return this.#inner.checkpoint(offsets);
  }

  restorePoints(inputs: readonly string[]) {
    return this.#inner.restorePoints(inputs);
  }

  forget() {
    this.#inner.forget();
  }

  get wantsCheckpoint() {
    return this.#inner.wantsCheckpoint;
  }
}

test('an event that fails processing for good is dead-lettered alone; its partition carries on in order', async (t) => {
  const { env } = deployment();
  await runVigil({ ...env, VIGIL_TOPIC_PARTITIONS: '1' }, ['setup', '--skip-search']);
  const config = loadConfig({ env });
  const logger = createLogger({ level: 'silent' });
  const { metrics, registry } = createMetrics();
  const state = new PoisonedStore(
    new RedisStateStore(
      await createRedis(t),
      new StateKeys(`${uniqueName('isolation')}:`),
      stateLimits(config.detect),
    ),
  );
  const { engine, geo } = createEngine(config, state, logger);
  const pipeline = new Pipeline({
    kafka: createKafka(config.kafka, logger),
    config,
    engine,
    state,
    indexDocuments: true,
    signingKey: signingKeyFromConfig(config.commands),
    metrics,
    logger,
  });
  t.after(async () => {
    await pipeline.stop();
    geo.close();
  });
  await pipeline.start();

  const at = (i: number) => new Date(Date.now() - 60_000 + i * 1000).toISOString();
  const event = (i: number, user: string) =>
    JSON.stringify({
      event_id: `i${i}`,
      occurred_at: at(i),
      user_id: user,
      ip: '81.2.69.160',
      type: 'login_success',
    });
  const users = ['ann', 'bob', 'poison', 'cat', 'dan', 'eve', 'fay', 'gus'];
  await produceEvents(
    env,
    users.map((user, i) => event(i, user)),
  );

  const [letter] = await readTopic(env.VIGIL_TOPIC_DEAD_LETTER!, 1);
  assert.equal(letter!.headers![DEAD_LETTER_HEADERS.code]!.toString(), 'processing_failed');
  assert.match(
    letter!.headers![DEAD_LETTER_HEADERS.reason]!.toString(),
    /^internal: cannot store this value$/,
  );
  assert.equal(JSON.parse(letter!.value!.toString()).user_id, 'poison');

  // Every other event is processed, once, in its partition's order.
  const documentsOf = (messages: readonly KafkaMessage[]) =>
    messages.flatMap(
      (m) => JSON.parse(m.value!.toString()) as { kind: string; body: { user: { id: string } } }[],
    );
  const events = (messages: readonly KafkaMessage[]) =>
    documentsOf(messages).filter((d) => d.kind === 'events');
  const indexed = await readTopicUntil(
    env.VIGIL_TOPIC_DOCUMENTS!,
    (m) => events(m).length >= users.length - 1,
  );
  assert.deepEqual(
    events(indexed).map((d) => d.body.user.id),
    users.filter((user) => user !== 'poison'),
  );
  assert.match(await registry.metrics(), /^vigil_dead_letters_total\{reason="processing_failed"\} 1$/m);
});
