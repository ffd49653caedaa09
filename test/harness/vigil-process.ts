import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSigningKey, publicJwks } from '../../src/sinks/commands/signing.ts';
import { connectSearch } from '../../src/sinks/search/client.ts';
import { KAFKA_BROKERS, REDIS_URL, SEARCH_URL } from './endpoints.ts';
import { uniqueName } from './factories.ts';

const VIGIL = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** The settings of one isolated Vigil deployment on the local stack: its own topics, group, keys and indices. */
export function deployment() {
  const name = uniqueName('e2e');
  const key = generateSigningKey(`${name}-key`);
  const env: Record<string, string> = {
    VIGIL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    VIGIL_KAFKA_CLIENT_ID: name,
    VIGIL_KAFKA_GROUP_ID: `${name}-group`,
    VIGIL_TOPIC_AUTH: `${name}.auth`,
    VIGIL_TOPIC_ACCESS: `${name}.access`,
    VIGIL_TOPIC_COMMANDS: `${name}.commands`,
    VIGIL_TOPIC_DEAD_LETTER: `${name}.dead-letter`,
    VIGIL_TOPIC_DOCUMENTS: `${name}.search-documents`,
    VIGIL_TOPIC_FEEDBACK: `${name}.feedback`,
    VIGIL_TOPIC_PARTITIONS: '3',
    VIGIL_REDIS_URLS: REDIS_URL,
    VIGIL_REDIS_KEY_PREFIX: `${name}:`,
    VIGIL_SEARCH_URL: SEARCH_URL,
    VIGIL_SEARCH_INDEX_PREFIX: name,
    VIGIL_SIGNING_KEY: key.pem,
    VIGIL_SIGNING_KEY_ID: key.keyId,
    VIGIL_COMMAND_ISSUER: `https://${name}.vigil.test`,
    VIGIL_COMMAND_AUDIENCE: 'test-services',
    VIGIL_LOG_LEVEL: 'warn',
    // The sample is a recording (March 2026), and tests give the simulator fixed starts in March 2026:
    // judged against today's clock they would be too old, so a test deployment remembers five years.
    VIGIL_EVENT_MAX_AGE_MS: String(5 * 365 * 86_400_000),
  };
  return { name, env, jwks: publicJwks(key) };
}

export interface VigilProcess {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  /** Resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `vigil <command>` as its own process, as production does; killed at the end of the test. */
export async function startVigil(
  t: TestContext,
  env: Record<string, string>,
  args: string[] = ['run'],
): Promise<VigilProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', VIGIL, ...args], {
    env: { ...process.env, ...env, VIGIL_HTTP_PORT: String(port), VIGIL_HTTP_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  t.after(() => stop('SIGKILL'));
  return { child, port, output: () => output, stop };
}

/** Waits for /readyz: the processor has joined its consumer group. */
export async function waitReady(vigil: VigilProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (vigil.child.exitCode !== null)
      throw new Error(`vigil exited with ${vigil.child.exitCode}:\n${vigil.output()}`);
    const ready = await fetch(`http://127.0.0.1:${vigil.port}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(200);
  }
  throw new Error(`vigil was not ready after ${timeoutMs} ms:\n${vigil.output()}`);
}

/** Runs a one-shot command (setup) to completion. */
export async function runVigil(env: Record<string, string>, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', VIGIL, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vigil ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** A search client for a deployment's indices, which are deleted when the test ends. */
export async function deploymentSearch(t: TestContext, name: string) {
  const { client } = await connectSearch({
    url: SEARCH_URL,
    engine: 'auto',
    indexPrefix: name,
    tlsRejectUnauthorized: true,
  });
  t.after(async () => {
    await client.indices.delete({ index: `${name}-*` }).catch(() => {});
    await client.ingest.deletePipeline({ id: `${name}-*` }).catch(() => {});
    await client.close();
  });
  return client;
}
