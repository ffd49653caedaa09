import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ENV_SETTINGS, convertEnvValue } from '../../src/config/env.ts';
import { LOCAL_STACK_FILE } from '../../src/config/stack-file.ts';
import { commandLines, shellBlocks } from '../docs/shell.ts';
import { KAFKA_BROKERS, SEARCH_URL } from '../harness/endpoints.ts';
import { waitUntil } from '../harness/processes.ts';
import { deployment, deploymentSearch, freePort } from '../harness/vigil-process.ts';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const VIGIL = join(ROOT, 'src/cli/vigil.ts');
const SECTION = '## Five minutes on the local stack';
/** A smaller company than the README's, so the test stays short; everything else runs as written. */
const USERS = 40;

/** The walkthrough's commands, in order, as the README gives them. */
function walkthrough(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  assert.ok(start >= 0, `the README has no "${SECTION}"`);
  const end = readme.indexOf('\n## ', start + SECTION.length);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return shellBlocks(section).flatMap((block) => commandLines(block, 'README.md').map((line) => line.text));
}

/** A deployment's variables as the settings tree of a local stack's file. */
function stackFile(env: Record<string, string>): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const setting of ENV_SETTINGS) {
    const raw = env[setting.name];
    if (raw === undefined) continue;
    let node = tree;
    for (const key of setting.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[setting.path.at(-1)!] = convertEnvValue(raw, setting.kind);
  }
  return tree;
}

test('e2e: the README walkthrough, pasted with no variable set, finds signals and a command that verifies', async (t) => {
  const lines = walkthrough();
  assert.equal(lines[0], 'npm run stack:up');
  assert.equal(lines.at(-1), 'npm run stack:down');

  // The walkthrough's settings come from the local stack's file in the working directory. This one
  // names a deployment of its own on the shared stack (topics, group, key prefix, indices, ops port),
  // and keeps every other setting at its default: the event age limit, the issuer, the audience, the log level.
  const { name, env: variables, jwks } = deployment();
  const defaulted = [
    'VIGIL_EVENT_MAX_AGE_MS',
    'VIGIL_COMMAND_ISSUER',
    'VIGIL_COMMAND_AUDIENCE',
    'VIGIL_LOG_LEVEL',
  ];
  const kept = Object.fromEntries(Object.entries(variables).filter(([key]) => !defaulted.includes(key)));
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-walkthrough-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, '.stack'));
  const settings = stackFile({ ...kept, VIGIL_HTTP_PORT: String(port), VIGIL_HTTP_HOST: '127.0.0.1' });
  writeFileSync(join(dir, LOCAL_STACK_FILE), JSON.stringify(settings, null, 2));
  const search = await deploymentSearch(t, name);
  // No VIGIL_ variable, and the checkout's binaries first on PATH.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VIGIL_')));
  env.PATH = `${join(ROOT, 'node_modules/.bin')}:${env.PATH ?? ''}`;

  // What the README names on the local stack, here this deployment's; each must occur, so a reworded
  // walkthrough fails here instead of reaching the stack's default topics and indices.
  const replacements: [string, string][] = [
    ['npm run vigil --', `"${process.execPath}" --disable-warning=TimeoutNegativeWarning ${VIGIL}`],
    ['http://127.0.0.1:19200/vigil-', `${SEARCH_URL}/${name}-`],
    ['http://127.0.0.1:9464/', `http://127.0.0.1:${port}/`],
    ['-b 127.0.0.1:19092 -t vigil.commands', `-b ${KAFKA_BROKERS[0]} -t ${name}.commands`],
    ["'./src/verify.ts'", `'${join(ROOT, 'src/verify.ts')}'`],
    ['simulate --users 200 --kafka', `simulate --users ${USERS} --kafka`],
    // In the checkout `npx node` runs the `node` devDependency; here its binary is first on PATH.
    ['npx node ', 'node '],
  ];
  const unused = replacements.filter(([from]) => !lines.some((line) => line.includes(from)));
  assert.deepEqual(unused, [], 'the walkthrough no longer says these');
  const local = (line: string) => replacements.reduce((text, [from, to]) => text.split(from).join(to), line);
  const shell = (line: string) =>
    exec('bash', ['-c', local(line)], { cwd: dir, env, maxBuffer: 16 << 20, timeout: 120_000 });

  let processor: { stop: () => Promise<number | null>; output: () => string } | undefined;
  t.after(() => processor?.stop());
  const outputs = new Map<string, string>();
  for (const line of lines) {
    if (line.startsWith('npm run stack:')) continue; // the shared stack is up already and stays up
    if (line === 'kill %1') {
      assert.ok(processor, 'kill %1 before anything ran in the background');
      assert.equal(await processor.stop(), 0, 'the processor stops cleanly on SIGTERM');
      processor = undefined;
      continue;
    }
    if (line.endsWith('&')) {
      const child = spawn('bash', ['-c', `exec ${local(line.slice(0, -1))}`], {
        cwd: dir,
        env,
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      processor = {
        stop: () => (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), exited),
        output: () => readFileSync(join(dir, 'vigil.log'), 'utf8'),
      };
      continue;
    }
    if (line.includes('/_count')) {
      // The README asks to count until the number stops growing: here, until every event is indexed.
      const total = Number(/simulated (\d+) events/.exec(outputs.get('simulate') ?? '')?.[1]);
      assert.ok(total > 1000, `simulate said: ${outputs.get('simulate')}`);
      await waitUntil(
        `all ${total} simulated events indexed`,
        async () => {
          await search.indices.refresh({ index: `${name}-*` });
          return (await search.count({ index: `${name}-events-*` })).count === total;
        },
        180_000,
      ).catch((error: unknown) => assert.fail(`${String(error)}\n${processor?.output()}`));
    }
    const { stdout, stderr } = await shell(line);
    outputs.set(line.includes(' simulate ') ? 'simulate' : line, stdout + stderr);
  }

  const get = (part: string) => [...outputs].find(([line]) => line.includes(part))?.[1] ?? '';
  assert.match(get('setup'), /using the local stack's settings from \.stack\/vigil\.json/);
  assert.ok(Number(JSON.parse(get('signals-*/_count')).count) > 0, get('signals-*/_count'));
  const travel = JSON.parse(get('q=rule.name:impossible_travel')) as {
    hits: { hits: { _source: { message: string } }[] };
  };
  assert.ok(travel.hits.hits.length > 0, 'no impossible travel signal');
  // Distance (between the places, or between the countries when GeoIP knows one only by its country) and speed.
  for (const hit of travel.hits.hits)
    assert.match(hit._source.message, / km (?:between the countries )?in .*km\/h/);
  const revoked = JSON.parse(get('q=vigil.decision.action:revoke_sessions')) as {
    hits: { hits: { _source: { message: string } }[] };
  };
  assert.match(revoked.hits.hits[0]?._source.message ?? '', /^revoke_sessions: /);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')), jwks);
  assert.match(get('verifySecurityEvent'), /^verified: /);
});
