import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { join } from 'node:path';
import { awaitDependencies } from '../../src/cli/lifecycle.ts';
import { awaitReachable, UnreachableError } from '../../src/cli/reachable.ts';
import { loadConfig } from '../../src/config/index.ts';
import { freePort } from '../harness/vigil-process.ts';
import { generateSigningKey } from '../../src/sinks/commands/signing.ts';

const VIGIL = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;

/** `vigil <args>` with only these variables set (and a 1 s start-up wait); its exit code and output. */
function vigil(args: string[], env: Record<string, string>) {
  // Away from the checkout, so the local stack's settings file plays no part.
  const child = spawn(process.execPath, [VIGIL, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, VIGIL_STARTUP_TIMEOUT_MS: '1000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
}

// An open port stands in for every server that is up: the start-up check only connects, and the
// command fails on the closed one before it uses any other. The key lets `run` past its configuration.
const listening = createServer((socket) => socket.destroy());
await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
after(() => listening.close());
const open = `127.0.0.1:${(listening.address() as AddressInfo).port}`;
const reachable = {
  VIGIL_KAFKA_BROKERS: open,
  VIGIL_REDIS_URLS: `redis://${open}`,
  VIGIL_SEARCH_URL: `http://${open}`,
  VIGIL_SIGNING_KEY: generateSigningKey('').pem,
  VIGIL_LOG_LEVEL: 'silent',
};

test('Kafka on a closed port: `vigil setup` exits 69 with one line naming Kafka, the address and the variable', async () => {
  const port = await freePort();
  assert.deepEqual(
    await vigil(['setup', '--skip-search'], {
      VIGIL_KAFKA_BROKERS: `127.0.0.1:${port}`,
      VIGIL_LOG_LEVEL: 'silent',
    }),
    {
      status: 69,
      stdout: '',
      stderr: `vigil: cannot reach Kafka at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_KAFKA_BROKERS\n`,
    },
  );
});

test('Redis on a closed port: `vigil run` exits 69 with one line naming Redis and VIGIL_REDIS_URLS', async () => {
  const port = await freePort();
  assert.deepEqual(
    await vigil(['run'], {
      ...reachable,
      VIGIL_HTTP_PORT: String(await freePort()),
      VIGIL_REDIS_URLS: `redis://127.0.0.1:${port}`,
    }),
    {
      status: 69,
      stdout: '',
      stderr: `vigil: cannot reach Redis at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_REDIS_URLS\n`,
    },
  );
});

test('the search engine on a closed port: `vigil evaluate --from-search` exits 69 with one line', async () => {
  const port = await freePort();
  const truth = new URL('../fixtures/sample.ndjson', import.meta.url).pathname;
  assert.deepEqual(
    await vigil(['evaluate', '--truth', truth, '--from-search'], {
      VIGIL_SEARCH_URL: `http://127.0.0.1:${port}`,
    }),
    {
      status: 69,
      stdout: '',
      stderr: `vigil: cannot reach the search engine at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_SEARCH_URL\n`,
    },
  );
});

test('Alertmanager on a closed port: `vigil run` exits 69 with one line naming VIGIL_ALERTMANAGER_URLS', async () => {
  const port = await freePort();
  assert.deepEqual(
    await vigil(['run', '--no-search'], {
      VIGIL_HTTP_PORT: String(await freePort()),
      ...reachable,
      VIGIL_ALERTMANAGER_URLS: `http://127.0.0.1:${port}`,
    }),
    {
      status: 69,
      stdout: '',
      stderr: `vigil: cannot reach Alertmanager at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_ALERTMANAGER_URLS\n`,
    },
  );
});

test('Kafka on a closed port: `vigil simulate --kafka` exits 69 after its summary, with one line', async () => {
  const port = await freePort();
  const { status, stdout, stderr } = await vigil(['simulate', '--users', '2', '--attacks', '0', '--kafka'], {
    VIGIL_KAFKA_BROKERS: `127.0.0.1:${port}`,
  });
  assert.deepEqual(
    { status, stdout, lines: stderr.split('\n').slice(1) },
    {
      status: 69,
      stdout: '',
      lines: [
        `vigil: cannot reach Kafka at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_KAFKA_BROKERS`,
        '',
      ],
    },
  );
});

test('at debug level the wait logs each failed attempt with its error, stack included', async () => {
  const port = await freePort();
  const { status, stdout } = await vigil(['setup', '--skip-search'], {
    VIGIL_KAFKA_BROKERS: `127.0.0.1:${port}`,
    VIGIL_LOG_LEVEL: 'debug',
  });
  assert.equal(status, 69);
  const first = JSON.parse(stdout.split('\n')[0]!) as { msg: string; err: { code: string; stack: string } };
  assert.equal(first.msg, 'waiting for Kafka');
  assert.equal(first.err.code, 'ECONNREFUSED');
  assert.match(first.err.stack, /ECONNREFUSED/);
});

test('a server that starts listening within the wait is waited for, not reported', async (t) => {
  const port = await freePort();
  const late = createServer((socket) => socket.destroy());
  t.after(() => late.close());
  setTimeout(() => late.listen(port, '127.0.0.1'), 700);
  const started = Date.now();
  await awaitReachable(
    [{ service: 'Kafka', variable: 'VIGIL_KAFKA_BROKERS', addresses: [{ host: '127.0.0.1', port }] }],
    10_000,
  );
  assert.ok(Date.now() - started >= 700);
});

test('an address from the local stack file says so, and where to look', async () => {
  const port = await freePort();
  const config = loadConfig({
    env: { VIGIL_KAFKA_BROKERS: `127.0.0.1:${port}`, VIGIL_STARTUP_TIMEOUT_MS: '500' },
  });
  await assert.rejects(
    awaitDependencies(
      {
        config,
        stack: {
          file: join(process.cwd(), '.stack/vigil.json'),
          variables: [['VIGIL_KAFKA_BROKERS', `127.0.0.1:${port}`]],
        },
      },
      { kafka: true },
    ),
    (error: unknown) =>
      error instanceof UnreachableError &&
      error.message ===
        `cannot reach Kafka at 127.0.0.1:${port} (connection refused) in 1 s; set VIGIL_KAFKA_BROKERS (this address is the local stack's, from .stack/vigil.json: npm run stack:status)`,
  );
});
