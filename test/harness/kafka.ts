import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_BROKERS, KAFKA_PORT } from './endpoints.ts';
import { fetchJars } from './maven.ts';
import { run, startDetached, stopDetached } from './processes.ts';
import type { Service } from './service.ts';

const KAFKA_VERSION = /<kafka.version>([^<]+)</.exec(
  readFileSync(new URL('./kafka/pom.xml', import.meta.url), 'utf8'),
)![1];

/** The broker jars, cached once for the single broker and the three-broker cluster alike. */
export const kafkaLibs = (cacheDir: string) => join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');

export const fetchKafkaJars = (cacheDir: string) =>
  fetchJars(new URL('./kafka/pom.xml', import.meta.url).pathname, kafkaLibs(cacheDir));

export const newClusterId = () => randomBytes(16).toString('base64url');

/**
 * Writes `<dir>/server.properties` from a template in `kafka/` and formats the data folder it names,
 * once: a folder that holds `meta.properties` keeps its data and its cluster id.
 */
export async function writeBrokerConfig(
  libs: string,
  dir: string,
  template: string,
  values: Readonly<Record<string, string>> & { readonly DATA_DIR: string },
  clusterId: () => string,
): Promise<string> {
  const properties = join(dir, 'server.properties');
  mkdirSync(dir, { recursive: true });
  let text = readFileSync(new URL(`./kafka/${template}`, import.meta.url), 'utf8');
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`\${${name}}`, value);
  writeFileSync(properties, text);
  if (!existsSync(join(values.DATA_DIR, 'meta.properties'))) {
    await run('java', [
      '-cp',
      `${libs}/*`,
      'kafka.tools.StorageTool',
      'format',
      // One argument: a generated id may begin with '-', which would read as a flag.
      `--cluster-id=${clusterId()}`,
      '-c',
      properties,
    ]);
  }
  return properties;
}

/** One broker JVM, detached, with its pid and `server.log` in `dir`. */
export function startBrokerProcess(
  libs: string,
  dir: string,
  properties: string,
  heap: readonly string[],
): number {
  return startDetached(dir, 'java', [
    ...heap,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    '-cp',
    `${libs}/*`,
    'kafka.Kafka',
    properties,
  ]);
}

/** Apache Kafka in KRaft mode from the official jars on Maven Central, run with the machine's Java. */
export function kafkaService(stackDir: string, cacheDir: string): Service {
  const dir = join(stackDir, 'kafka');
  const libs = kafkaLibs(cacheDir);
  return {
    name: 'kafka',
    endpoint: `127.0.0.1:${KAFKA_PORT}`,
    startTimeoutMs: 90_000,
    prepare: () => fetchKafkaJars(cacheDir),
    async start() {
      const properties = await writeBrokerConfig(
        libs,
        dir,
        'server.properties',
        { DATA_DIR: join(dir, 'data') },
        newClusterId,
      );
      startBrokerProcess(libs, dir, properties, ['-Xms256m', '-Xmx512m']);
    },
    async healthy() {
      const admin = new Kafka({
        brokers: KAFKA_BROKERS,
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        connectionTimeout: 1000,
      }).admin();
      try {
        await admin.connect();
        const { brokers } = await admin.describeCluster();
        return brokers.length > 0;
      } finally {
        await admin.disconnect();
      }
    },
    stop: () => stopDetached(dir),
  };
}
