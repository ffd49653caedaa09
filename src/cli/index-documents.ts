import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { httpLimitsOf, startHttpServer } from '../ops/http-server.ts';
import { watchHealth } from '../ops/health.ts';
import { createMetrics } from '../ops/metrics.ts';
import { SearchIndexer } from '../pipeline/indexer.ts';
import { createKafka } from '../pipeline/kafka.ts';
import { connectSearch } from '../sinks/search/client.ts';
import { awaitDependencies, commandSettings, processLogger, stopSignal, waitingFor } from './lifecycle.ts';

const HELP = `usage: vigil index

Writes the documents that \`vigil run --no-index\` commits to the documents topic into the search
engine, in a consumer group of its own; add processes to scale indexing apart from detection.
Stops cleanly on SIGTERM or SIGINT.`;

/** The flags `vigil index` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const settings = commandSettings();
  const { config } = settings;
  const logger = processLogger(config, settings.stack);
  await awaitDependencies(settings, { kafka: true, search: true }, logger);
  const waitFor = waitingFor(logger);
  const search = await waitFor('the search engine', () => connectSearch(config.search));
  logger.info({ engine: search.engine, version: search.version }, 'search engine connected');
  const health = watchHealth(() => ({ indexer }), config.ops.stallTimeoutMs);
  const { registry, metrics } = createMetrics({ ready: health.ready, lastCommitMs: health.lastCommitMs });
  const indexer = new SearchIndexer({
    kafka: createKafka(config.kafka, logger),
    config,
    search: search.client,
    metrics,
    logger: logger.child({ component: 'indexer' }),
  });
  const server = await startHttpServer(
    { registry, ...health },
    config.ops.httpPort,
    config.ops.httpHost,
    httpLimitsOf(config.ops),
  );
  await waitFor('Kafka', () => indexer.start());
  logger.info({ port: config.ops.httpPort }, 'running');

  logger.info({ signal: await stopSignal() }, 'stopping: finishing the batch in hand');
  await indexer.stop();
  await search.client.close();
  await new Promise((resolve) => server.close(resolve));
  logger.info('stopped');
  logger.flush();
  return 0;
}
