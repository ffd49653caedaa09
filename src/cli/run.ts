import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { httpLimitsOf, startHttpServer } from '../ops/http-server.ts';
import { watchHealth } from '../ops/health.ts';
import { createMetrics } from '../ops/metrics.ts';
import { logProgress } from '../ops/run-summary.ts';
import { Pipeline } from '../pipeline/consumer.ts';
import { SearchIndexer } from '../pipeline/indexer.ts';
import { AlertNotifier } from '../pipeline/notifier.ts';
import { stateLimits } from '../pipeline/engine.ts';
import { createKafka } from '../pipeline/kafka.ts';
import { transmitterConfiguration } from '../sinks/commands/discovery.ts';
import { ssfEndpoints, ssfTransmitter } from '../sinks/ssf/index.ts';
import { signingKeyFromConfig } from '../sinks/commands/key-config.ts';
import { publicJwks } from '../sinks/commands/signing.ts';
import { PageLedger } from '../sinks/alerts/page-ledger.ts';
import { connectSearch } from '../sinks/search/client.ts';
import { connectRedis } from '../state/redis/connect.ts';
import { StateKeys } from '../state/redis/keys.ts';
import { RedisGroupAllowlist } from '../state/redis/group-allowlist.ts';
import { RedisStateStore } from '../state/redis/store.ts';
import { awaitDependencies, commandSettings, processLogger, stopSignal, waitingFor } from './lifecycle.ts';
import { createEngine } from './wiring.ts';

const HELP = `usage: vigil run [--no-search | --no-index]

Consumes the auth and access topics in the consumer group, keeps state in Redis, publishes signed
commands, and indexes events, signals and decisions in the search engine (through the documents topic,
so the engine never delays a command). --no-index commits the documents but leaves their indexing to
\`vigil index\` processes, which keeps that work off this one; --no-search runs the detection path
alone. Stops cleanly on SIGTERM or SIGINT; reloads the GeoIP data folder on SIGHUP.`;

/** The flags `vigil run` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  search: { type: 'boolean', default: true },
  index: { type: 'boolean', default: true },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    allowNegative: true,
    options: OPTIONS,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const settings = commandSettings();
  const { config } = settings;
  const signingKey = signingKeyFromConfig(config.commands);
  const logger = processLogger(config, settings.stack);
  await awaitDependencies(
    settings,
    { kafka: true, redis: true, search: values.search && values.index, alertmanager: true },
    logger,
  );
  const waitFor = waitingFor(logger);

  const redis = connectRedis(config.redis);
  // While Redis is away ioredis reconnects and holds commands, so the batch in hand waits for it.
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'Redis unavailable; reconnecting'));
  await waitFor('Redis', () => redis.connect());
  const keys = new StateKeys(config.redis.keyPrefix);
  const store = new RedisStateStore(redis, keys, stateLimits(config.detect), {
    ...config.redis,
    group: config.kafka.groupId,
  });
  const { engine, geo } = createEngine(config, store, logger, {
    onIdConflict: () => metrics.idConflict(),
    groups: new RedisGroupAllowlist(redis, keys),
  });
  geo.reloadOnHangup();
  const search =
    values.search && values.index
      ? await waitFor('the search engine', () => connectSearch(config.search))
      : undefined;
  if (search) logger.info({ engine: search.engine, version: search.version }, 'search engine connected');
  const health = watchHealth(
    () => ({ pipeline, ...(indexer && { indexer }), ...(notifier && { notifier }) }),
    config.ops.stallTimeoutMs,
  );
  const { registry, metrics, totals } = createMetrics({
    ready: health.ready,
    geoDataBuiltAtMs: () => geo.dataBuiltAtMs,
    lastCommitMs: health.lastCommitMs,
  });
  const kafka = createKafka(config.kafka, logger);
  const pipeline = new Pipeline({
    kafka,
    config,
    engine,
    state: store,
    indexDocuments: values.search,
    signingKey,
    metrics,
    logger: logger.child({ component: 'pipeline' }),
  });
  const indexer =
    search &&
    new SearchIndexer({
      kafka,
      config,
      search: search.client,
      metrics,
      logger: logger.child({ component: 'indexer' }),
    });
  const { alerting } = config;
  const notifier =
    alerting.alertmanagerUrls.length || alerting.webhookUrl
      ? new AlertNotifier({
          kafka,
          config,
          jwks: publicJwks(signingKey),
          ...(alerting.webhookUrl && { ledger: new PageLedger(redis, keys, alerting.repeatIntervalMs) }),
          metrics,
          logger: logger.child({ component: 'alerts' }),
        })
      : undefined;
  const ssf = config.ssf.bearerTokens.length
    ? ssfTransmitter(kafka, config, redis, signingKey, logger.child({ component: 'ssf' }), metrics)
    : undefined;
  const server = await startHttpServer(
    {
      registry,
      ...health,
      jwks: publicJwks(signingKey),
      transmitter: transmitterConfiguration(
        config.commands.issuer,
        ssf && ssfEndpoints(config.commands.issuer),
      ),
      ...(ssf && { ssf: ssf.handler }),
    },
    config.ops.httpPort,
    config.ops.httpHost,
    httpLimitsOf(config.ops),
  );
  await waitFor('Kafka', () => pipeline.start());
  if (indexer) await waitFor('Kafka', () => indexer.start());
  if (notifier) await waitFor('Kafka', () => notifier.start());
  if (ssf) await waitFor('Kafka', () => ssf.transmitter.start());
  logger.info({ port: config.ops.httpPort }, 'running');
  const stopProgress = logProgress({
    intervalMs: config.ops.progressIntervalMs,
    totals,
    logger: logger.child({ component: 'progress' }),
  });

  logger.info({ signal: await stopSignal() }, 'stopping: finishing the batch in hand');
  stopProgress();
  await pipeline.stop();
  await indexer?.stop();
  await notifier?.stop();
  await ssf?.transmitter.stop();
  await engine.close();
  await search?.client.close();
  geo.close();
  await new Promise((resolve) => server.close(resolve));
  logger.info('stopped');
  logger.flush();
  return 0;
}
