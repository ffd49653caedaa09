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

/** Apache Kafka in KRaft mode from the official jars on Maven Central, run with the machine's Java. */
export function kafkaService(stackDir: string, cacheDir: string): Service {
  const dir = join(stackDir, 'kafka');
  const libs = join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
  const classpath = `${libs}/*`;
  return {
    name: 'kafka',
    endpoint: `127.0.0.1:${KAFKA_PORT}`,
    startTimeoutMs: 90_000,
    prepare: () => fetchJars(new URL('./kafka/pom.xml', import.meta.url).pathname, libs),
    async start() {
      const dataDir = join(dir, 'data');
      const properties = join(dir, 'server.properties');
      mkdirSync(dir, { recursive: true });
      const template = readFileSync(new URL('./kafka/server.properties', import.meta.url), 'utf8');
      writeFileSync(properties, template.replaceAll('${DATA_DIR}', dataDir));
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        const clusterId = randomBytes(16).toString('base64url');
        await run('java', [
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          // One argument: a generated id may begin with '-', which would read as a flag.
          `--cluster-id=${clusterId}`,
          '-c',
          properties,
        ]);
      }
      startDetached(dir, 'java', [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ]);
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
