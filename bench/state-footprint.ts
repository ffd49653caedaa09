/**
 * Redis cost of the sample stream: round trips and script calls per event, and memory per tracked user.
 * Needs the local stack's Redis (npm run stack:up). Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/index.ts';
import { createEngine } from '../src/cli/wiring.ts';
import { createLogger } from '../src/ops/logger.ts';
import { stateLimits } from '../src/pipeline/engine.ts';
import { connectRedis } from '../src/state/redis/connect.ts';
import { StateKeys } from '../src/state/redis/keys.ts';
import { RedisStateStore } from '../src/state/redis/store.ts';
import { REDIS_URL } from '../test/harness/endpoints.ts';

const batchSize = Number(process.argv[2] ?? 500);
const config = loadConfig({ env: {} });
const client = connectRedis({
  mode: 'standalone',
  urls: [process.env.VIGIL_BENCH_REDIS ?? REDIS_URL],
  keyPrefix: '',
});
await client.connect();
const prefix = `bench-${Date.now()}:`;
const store = new RedisStateStore(client, new StateKeys(prefix), stateLimits(config.detect));
const { engine, geo } = createEngine(
  config,
  store,
  createLogger({ level: 'warn', destination: process.stderr }),
);

const lines = readFileSync(new URL('../test/fixtures/sample.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const calls = async () => {
  const stats = await client.info('commandstats');
  // Commands a script runs are counted too; the calls the client sent are the EVAL/EVALSHA ones.
  return [...stats.matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
};
let writes = 0;
const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
const write = stream.write.bind(stream);
const callsBefore = await calls();
stream.write = (...args: unknown[]) => {
  writes++;
  return write(...args);
};
// As in `vigil run`, a batch's release rides along with the next batch's script calls.
let released = Promise.resolve();
for (let i = 0; i < lines.length; i += batchSize) {
  const { release } = await engine.process(lines.slice(i, i + batchSize).map((value) => ({ value })));
  released = release();
}
await released;
stream.write = write;
const commands = (await calls()) - callsBefore;

const keys = await client.keys(`${prefix}*`);
const users = new Set(keys.filter((k) => k.includes('{u:')).map((k) => /\{u:([^}]*)\}/.exec(k)![1]));
let userBytes = 0;
for (const key of keys.filter((k) => k.includes('{u:')))
  userBytes += (await client.memory('USAGE', key, 'SAMPLES', '0')) ?? 0;
await client.del(...keys);
console.log(
  JSON.stringify({
    events: lines.length,
    batchSize,
    roundTripsPerEvent: +(writes / lines.length).toFixed(4),
    scriptCallsPerEvent: +(commands / lines.length).toFixed(3),
    trackedUsers: users.size,
    bytesPerUser: Math.round(userBytes / users.size),
  }),
);
await client.quit();
geo.close();
