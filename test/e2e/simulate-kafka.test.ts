import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Score } from '../../src/evaluate/evaluate.ts';
import { waitUntil } from '../harness/processes.ts';
import { deployment, runVigil, startVigil, waitReady, deploymentSearch } from '../harness/vigil-process.ts';

const vigil = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;
const exec = promisify(execFile);
const TRUSTED = { VIGIL_TRUSTED_NETWORKS: '81.4.109.0/24,38.124.103.0/24' };
const SCENARIO = ['--users', '150', '--days', '18', '--attacks', '2', '--seed', '3'];

test('e2e: the same simulated scenario through Kafka and the search engine scores as it does in replay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sim-kafka-'));
  const { name, env: base } = deployment();
  const env = { ...base, ...TRUSTED };
  const client = await deploymentSearch(t, name);
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const truth = join(dir, 'truth.ndjson');
  const events = join(dir, 'events.ndjson');
  const node = (args: string[]) =>
    exec(process.execPath, [vigil, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });

  await node(['simulate', ...SCENARIO, '--truth', truth, '--out', events]);
  const replayed = join(dir, 'findings.ndjson');
  await exec(
    'bash',
    ['-c', `"${process.execPath}" "${vigil}" replay --as-of newest --quiet ${events} > ${replayed}`],
    {
      env: { ...process.env, ...env },
    },
  );
  const fromReplay = JSON.parse((await node(['evaluate', '--truth', truth, '--json', replayed])).stdout);

  await runVigil(env, ['setup']);
  const processor = await startVigil(t, env);
  await waitReady(processor);
  // At a steady rate, as emitters send: auth and access topics then advance together, as in production.
  await node(['simulate', ...SCENARIO, '--kafka', '--rate', '3000']);
  const expectedEvents = (await exec('wc', ['-l', events])).stdout.trim().split(' ')[0];
  await waitUntil(
    'every simulated event indexed',
    async () => {
      await client.indices.refresh({ index: `${name}-events-*` });
      return String((await client.count({ index: `${name}-events-*` })).count) === expectedEvents;
    },
    120_000,
  );
  const fromSearch = JSON.parse(
    (await node(['evaluate', '--truth', truth, '--json', '--from-search'])).stdout,
  );
  // Every attack is found and acted on the same; counts may differ by an event or two, because auth and
  // access events travel on two topics and a few that are seconds apart are judged in another order.
  assert.deepEqual(fromSearch.attackKinds, fromReplay.attackKinds);
  for (const group of ['signals', 'decisions'] as const) {
    for (const [name, replayScore] of Object.entries(fromReplay[group] as Record<string, Score>)) {
      const kafkaScore = (fromSearch[group] as Record<string, Score>)[name]!;
      assert.equal(kafkaScore.recall, replayScore.recall, `${group} ${name} recall`);
      assert.ok(
        Math.abs((kafkaScore.precision ?? 0) - (replayScore.precision ?? 0)) <= 0.03,
        `${group} ${name} precision ${kafkaScore.precision} vs ${replayScore.precision}`,
      );
    }
  }
});
