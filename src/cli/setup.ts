import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import { redactSecrets, type Config } from '../config/index.ts';
import { createLogger } from '../ops/logger.ts';
import { TtyProgress } from '../ops/tty-progress.ts';
import { kibanaSavedObjects } from '../dashboards/kibana.ts';
import { importIntoKibana } from '../dashboards/kibana-import.ts';
import { addSecurityIndexPattern, SECURITY_DEFAULT_INDEX } from '../dashboards/kibana-settings.ts';
import { createKafka } from '../pipeline/kafka.ts';
import { connectSearch } from '../sinks/search/client.ts';
import { indexTemplates, ingestPipeline } from '../sinks/search/templates.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const DOCUMENT_BATCH_BYTES = 16 * 2 ** 20;
/** kafkajs's `ConfigResourceTypes.TOPIC`, which its CommonJS exports keep from a named import. */
const TOPIC_RESOURCE: ConfigResourceTypes = 2;

const HELP = `usage: vigil setup [--skip-kafka] [--skip-search] [--kibana URL]

Creates the Kafka topics (events keyed by user_id), and the search engine's index templates and the
ingest pipeline that stamps event.ingested. With --kibana, also imports Vigil's data views and
dashboards into that Kibana, for the configured index prefix, with the search engine's credentials,
and adds "<prefix>-*" to the Security app's default indices (the securitySolution:defaultIndex
advanced setting), where its Alerts, Users and Hosts views find Vigil's documents. Idempotent: safe
to run on every deploy. On a terminal, a line on stderr says which step it is on.`;

/** The flags `vigil setup` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  'skip-kafka': { type: 'boolean', default: false },
  'skip-search': { type: 'boolean', default: false },
  kibana: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: OPTIONS,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const settings = commandSettings();
  const { config } = settings;
  const progress = new TtyProgress(process.stderr);
  const logger = createLogger({
    level: config.ops.logLevel,
    // Log lines go above the progress line, written as they come so the two never interleave.
    ...(progress.active && { destination: progress.around(process.stdout) }),
  });
  const notice = stackNotice(settings.stack);
  if (notice) logger.info(notice);
  await awaitDependencies(settings, { kafka: !values['skip-kafka'], search: !values['skip-search'] }, logger);
  const kibana = values.kibana;
  const steps: { name: string; run: () => Promise<void> }[] = [];
  if (!values['skip-kafka']) steps.push({ name: 'Kafka topics', run: () => setupTopics(config, logger) });
  if (!values['skip-search'])
    steps.push({ name: 'index templates', run: () => setupTemplates(config, logger) });
  if (kibana !== undefined) {
    steps.push({
      name: 'Kibana dashboards',
      run: async () => {
        const objects = kibanaSavedObjects(config.search.indexPrefix);
        const { successCount } = await importIntoKibana(kibana, objects, config.search);
        logger.info({ kibana: redactSecrets(kibana), objects: successCount }, 'Kibana dashboards imported');
      },
    });
    steps.push({
      name: 'Kibana Security indices',
      run: async () => {
        const pattern = `${config.search.indexPrefix}-*`;
        const { added } = await addSecurityIndexPattern(kibana, pattern, config.search);
        logger.info(
          { kibana: redactSecrets(kibana), setting: SECURITY_DEFAULT_INDEX, pattern, added },
          'Kibana Security reads Vigil documents',
        );
      },
    });
  }
  progress.start({ label: 'setup', unit: 'steps', total: steps.length, rate: false });
  try {
    for (const [done, step] of steps.entries()) {
      progress.update(done, { label: `setup: ${step.name}` });
      await step.run();
    }
    progress.update(steps.length, { label: 'setup' });
    progress.end({ keep: true });
  } finally {
    progress.end();
  }
  return 0;
}

export async function setupTopics(config: Config, logger: ReturnType<typeof createLogger>) {
  const { topics, partitions, replicationFactor } = config.kafka;
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // Feedback is keyed by user with as many partitions, so a user's verdicts sit with their events.
    const input = [topics.auth, topics.access, topics.feedback];
    const wanted = [...input, topics.commands, topics.deadLetter, topics.documents];
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length) {
      await admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor,
          // A transaction carries a whole batch's documents, more than Kafka's default 1 MB.
          ...(topic === topics.documents && {
            configEntries: [{ name: 'max.message.bytes', value: String(DOCUMENT_BATCH_BYTES) }],
          }),
          // Each event's record timestamp is the broker's clock when it arrived, whatever the emitter
          // sets: event → command latency counts from there, and retention too, so a back-fill of
          // old events is neither a slow command nor deleted on arrival.
          ...(input.includes(topic) && {
            configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
          }),
        })),
        waitForLeaders: true,
      });
    }
    logger.info({ created: missing, present: wanted.filter((t) => existing.has(t)) }, 'Kafka topics ready');
    const createTime = await createTimeTopics(admin, input);
    if (createTime.length)
      logger.warn(
        { topics: createTime },
        'input topics keep the emitters’ timestamps (CreateTime): vigil_event_to_command_seconds counts from those, ' +
          'so an emitter that sends old timestamps makes commands look slow; set message.timestamp.type=LogAppendTime on them',
      );
  } finally {
    await admin.disconnect();
  }
}

export async function setupTemplates(config: Config, logger: ReturnType<typeof createLogger>) {
  const { client, engine, version } = await connectSearch(config.search);
  try {
    const prefix = config.search.indexPrefix;
    // The pipeline first: the templates name it as their indices' default.
    await client.ingest.putPipeline(ingestPipeline(prefix));
    for (const template of indexTemplates(prefix, engine, { replicas: config.search.replicas }))
      await client.indices.putIndexTemplate(template);
    logger.info({ engine, version, prefix }, 'index templates and ingest pipeline ready');
  } finally {
    await client.close();
  }
}

/** The topics among `names` whose records carry the producer's timestamp, not the broker's. */
async function createTimeTopics(admin: Admin, names: readonly string[]): Promise<string[]> {
  const { resources } = await admin.describeConfigs({
    resources: names.map((name) => ({
      type: TOPIC_RESOURCE,
      name,
      configNames: ['message.timestamp.type'],
    })),
    includeSynonyms: false,
  });
  return resources
    .filter((resource) =>
      resource.configEntries.some(
        (entry) => entry.configName === 'message.timestamp.type' && entry.configValue === 'CreateTime',
      ),
    )
    .map((resource) => resource.resourceName);
}
