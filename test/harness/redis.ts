import { join } from 'node:path';
import { REDIS_CLUSTER_PORTS, REDIS_PORT } from './endpoints.ts';
import { run, startDetached, stopDetached } from './processes.ts';
import type { Service } from './service.ts';

export async function requireRedisServer(): Promise<void> {
  await run('redis-server', ['--version']).catch(() => {
    throw new Error('redis-server is not installed: apt-get install -y redis-server');
  });
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5000,
  });
  return stdout.trim();
}

/** A redis-server of our own on loopback; nothing saved on its own (SHUTDOWN SAVE still writes a dump). */
export function startRedis(dir: string, port: number, extra: readonly string[] = []): void {
  startDetached(dir, 'redis-server', [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    ...extra,
  ]);
}

export function redisService(stackDir: string): Service {
  const dir = join(stackDir, 'redis');
  return {
    name: 'redis',
    endpoint: `redis://127.0.0.1:${REDIS_PORT}`,
    startTimeoutMs: 15_000,
    prepare: requireRedisServer,
    start: async () => startRedis(dir, REDIS_PORT),
    healthy: async () => (await redisCli(REDIS_PORT, 'ping')) === 'PONG',
    stop: () => stopDetached(dir),
  };
}

/** Three masters, no replicas: enough to spread hash slots and prove every script stays on one slot. */
export function redisClusterService(stackDir: string): Service {
  const dirs = REDIS_CLUSTER_PORTS.map((port) => join(stackDir, `redis-cluster-${port}`));
  const clusterOk = async () =>
    (await redisCli(REDIS_CLUSTER_PORTS[0], 'cluster', 'info')).includes('cluster_state:ok');
  return {
    name: 'redis-cluster',
    endpoint: REDIS_CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`).join(','),
    startTimeoutMs: 30_000,
    prepare: requireRedisServer,
    async start() {
      // A node keeps its slots in nodes.conf; without persistence a restarted cluster is created afresh.
      for (const [i, port] of REDIS_CLUSTER_PORTS.entries()) {
        const dir = dirs[i]!;
        await run('rm', ['-f', join(dir, 'nodes.conf')]);
        startRedis(dir, port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
        ]);
      }
      for (const port of REDIS_CLUSTER_PORTS) {
        for (let i = 0; i < 40 && !(await redisCli(port, 'ping').catch(() => '')); i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      await run('redis-cli', [
        '--cluster',
        'create',
        ...REDIS_CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
    },
    healthy: clusterOk,
    async stop() {
      let stopped = false;
      for (const dir of dirs) stopped = (await stopDetached(dir)) || stopped;
      return stopped;
    },
  };
}
