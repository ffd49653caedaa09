import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.ts';

/**
 * Copies a pom's dependencies (official jars from Maven Central) into `libs`, once:
 * a marker file says the folder is complete, so an interrupted download is retried.
 */
export async function fetchJars(pom: string, libs: string): Promise<void> {
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return;
  await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(
      `mvn could not fetch the jars of ${pom}: ${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  });
  writeFileSync(marker, new Date().toISOString());
}
