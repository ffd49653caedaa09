import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { watchHealth } from '../../src/ops/health.ts';
import { startHttpServer } from '../../src/ops/http-server.ts';
import { Progress } from '../../src/ops/progress.ts';

const MIN = 60_000;

test('a consumer holding a batch with no commit for longer than the stall timeout is stalled', async () => {
  const progress = new Progress();
  const started = progress.lastCommitMs;
  let release = () => {};
  const held = progress.holding(() => new Promise<void>((resolve) => (release = resolve)));
  progress.failed('Cannot call "beginTransaction" in state "COMMITTING"');
  assert.equal(progress.stalled(2 * MIN, started + MIN), undefined);
  assert.equal(
    progress.stalled(2 * MIN, started + 3 * MIN),
    'no commit for 180 s with 1 batch(es) in hand: Cannot call "beginTransaction" in state "COMMITTING"',
  );
  release();
  await held;
  progress.committed();
  assert.equal(progress.failure, undefined);
  assert.equal(progress.stalled(2 * MIN, progress.lastCommitMs + 3 * MIN), undefined, 'idle is not stuck');
  progress.lag('vigil.auth-events', 0, 40);
  assert.equal(
    progress.stalled(2 * MIN, progress.lastCommitMs + 3 * MIN),
    'no commit for 180 s with 40 messages behind',
  );
});

test('/healthz fails with the reason while a consumer is stalled; /readyz says why it is not ready', async (t) => {
  const stuck = new Progress();
  const fine = new Progress();
  stuck.lag('vigil.auth-events', 2, 500);
  stuck.failed('broker unavailable');
  const health = watchHealth(
    () => ({ pipeline: { ready: false, progress: stuck }, indexer: { ready: true, progress: fine } }),
    0,
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  const server = await startHttpServer({ registry: new Registry(), ...health }, 0, '127.0.0.1');
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return [response.status, await response.text()];
  };
  assert.deepEqual(await get('/readyz'), [503, 'not ready: pipeline: cannot commit: broker unavailable\n']);
  const [status, body] = await get('/healthz');
  assert.equal(status, 503);
  assert.match(
    String(body),
    /^stalled: pipeline: no commit for 0 s with 500 messages behind: broker unavailable\n$/,
  );
  assert.deepEqual(Object.keys(health.lastCommitMs()), ['pipeline', 'indexer']);
});
