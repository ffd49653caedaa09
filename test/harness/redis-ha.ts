import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_HA_PORTS, REDIS_HA_URLS } from './endpoints.ts';
import { isAlive, killDetached, readPid, run, stopDetached, waitUntil } from './processes.ts';
import { redisCli, requireRedisServer, startRedis } from './redis.ts';
import type { Service } from './service.ts';

/** One line of `CLUSTER NODES`, as one node sees another. */
export interface RedisClusterNode {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The node id of its master, for a replica. */
  readonly masterId: string | undefined;
  /** Flagged `fail` (agreed by a majority of masters) or `fail?` (this node's suspicion). */
  readonly failing: boolean;
  readonly connected: boolean;
  /** Slot ranges it serves, as written (`0-5460`, `5461`); slots in migration left out. */
  readonly slots: readonly string[];
}

/** Three masters each with a replica, for fault tests; a node is named by its port. */
export interface RedisHaCluster extends Service {
  readonly ports: readonly number[];
  readonly urls: readonly string[];
  /** SIGKILL of the node's process, as a crash. */
  killRedisNode(port: number): Promise<void>;
  /** Starts the node on its AOF and nodes.conf; resolves once every node sees it, and it sees the cluster, well. */
  startRedisNode(port: number): Promise<void>;
  /** `CLUSTER NODES` as the node at `askPort` sees it (by default the first one running). */
  clusterNodes(askPort?: number): Promise<RedisClusterNode[]>;
  /** Ports of the masters that serve slots and are not failing, ascending. */
  mastersOf(): Promise<number[]>;
  /** The port of a replica of the master at `masterPort` that is not failing, if it has one. */
  replicaOf(masterPort: number): Promise<number | undefined>;
  /** The port of the master serving `key`'s slot. */
  masterOfKey(key: string): Promise<number>;
  /** Resolves once every running node reports `cluster_state:ok`. */
  waitClusterOk(timeoutMs?: number): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export function parseClusterNodes(text: string): RedisClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [id, address, flags, master, , , , link, ...slots] = line.trim().split(' ');
      const flagList = flags!.split(',');
      return {
        id: id!,
        // ip:port@busport[,hostname]
        port: Number(/:(\d+)@/.exec(address!)?.[1]),
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? undefined : master,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        connected: link === 'connected',
        slots: slots.filter((slot) => !slot.startsWith('[')),
      };
    });
}

const servesSlot = (node: RedisClusterNode, slot: number) =>
  node.slots.some((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return slot >= first! && slot <= last!;
  });

/**
 * Six redis-server processes on loopback, `--cluster-replicas 1`, each with its AOF and nodes.conf in
 * `<stackDir>/redis-ha-<port>`: a node restarted after a crash comes back with its data and its place
 * in the cluster (an old master rejoins as a replica of the one promoted in its stead).
 */
export function redisHaClusterService(stackDir: string): RedisHaCluster {
  const dirOf = (port: number) => join(stackDir, `redis-ha-${port}`);
  const running = (): number[] =>
    REDIS_HA_PORTS.filter((port) => {
      const pid = readPid(dirOf(port));
      return pid !== undefined && isAlive(pid);
    });

  function launch(port: number): void {
    if (!(REDIS_HA_PORTS as readonly number[]).includes(port)) throw new Error(`${port} is no redis-ha port`);
    const dir = dirOf(port);
    // Later options win: AOF on, over startRedis's no-persistence defaults.
    startRedis(dir, port, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      // A master is flagged failing 2 s after it stops answering; its replica is promoted about 1 s later.
      '--cluster-node-timeout',
      '2000',
      '--appendonly',
      'yes',
      // everysec, as production runs: the AOF is written before a reply is sent and fsync'd each second,
      // so a SIGKILL (the process dies, the kernel keeps its page cache) loses no acknowledged write;
      // only a machine crash could lose the last second, which these tests do not simulate. `always`
      // would make every write wait for the disk and the fault tests measure the disk.
      '--appendfsync',
      'everysec',
    ]);
  }

  async function clusterNodes(askPort?: number): Promise<RedisClusterNode[]> {
    const port = askPort ?? running()[0];
    if (port === undefined) throw new Error('no node of redis-ha is running');
    return parseClusterNodes(await redisCli(port, 'cluster', 'nodes'));
  }

  const stateOk = async (port: number) =>
    (await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok');

  const allStatesOk = async () => {
    const ports = running();
    return ports.length > 0 && (await Promise.all(ports.map(stateOk))).every(Boolean);
  };

  const linkUp = async (port: number) =>
    (await redisCli(port, 'info', 'replication')).includes('master_link_status:up');

  /** Every running node lists `port` as connected and well, and `port`, if a replica, is in sync. */
  async function joined(port: number): Promise<boolean> {
    if ((await redisCli(port, 'ping')) !== 'PONG' || !(await allStatesOk())) return false;
    for (const other of running()) {
      const self = (await clusterNodes(other)).find((node) => node.port === port);
      if (!self || self.failing || (other !== port && !self.connected)) return false;
    }
    const self = (await clusterNodes(port)).find((node) => node.port === port)!;
    return self.role === 'master' || (await linkUp(port));
  }

  async function mastersOf(): Promise<number[]> {
    return (await clusterNodes())
      .filter((node) => node.role === 'master' && !node.failing && node.slots.length > 0)
      .map((node) => node.port)
      .sort((a, b) => a - b);
  }

  async function replicaOf(masterPort: number): Promise<number | undefined> {
    const nodes = await clusterNodes();
    const master = nodes.find((node) => node.port === masterPort);
    return nodes.find((node) => node.role === 'replica' && !node.failing && node.masterId === master?.id)
      ?.port;
  }

  /** Three masters, each with a replica in sync, every node running and every one seeing the cluster ok. */
  async function healthy(): Promise<boolean> {
    if (running().length !== REDIS_HA_PORTS.length || !(await allStatesOk())) return false;
    const masters = await mastersOf();
    const replicas = await Promise.all(masters.map(replicaOf));
    if (masters.length !== 3 || replicas.some((port) => port === undefined)) return false;
    return (await Promise.all(replicas.map((port) => linkUp(port!)))).every(Boolean);
  }

  /** A node that has met the five others lists six nodes in its nodes.conf (and a `vars` line). */
  const formed = (port: number) => {
    const file = join(dirOf(port), 'nodes.conf');
    return (
      existsSync(file) &&
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('vars')).length === REDIS_HA_PORTS.length
    );
  };

  const answers = (port: number) =>
    waitUntil(
      `redis-ha ${port}`,
      async () => (await redisCli(port, 'ping')) === 'PONG',
      START_TIMEOUT_MS,
      join(dirOf(port), 'server.log'),
    );

  return {
    name: 'redis-ha',
    endpoint: REDIS_HA_PORTS.map((port) => `127.0.0.1:${port}`).join(','),
    ports: REDIS_HA_PORTS,
    urls: REDIS_HA_URLS,
    startTimeoutMs: START_TIMEOUT_MS,
    prepare: requireRedisServer,
    async start() {
      const create = !REDIS_HA_PORTS.every(formed);
      // Half a cluster cannot be mended from here: it is created afresh, without its data.
      if (create)
        for (const port of REDIS_HA_PORTS)
          for (const file of ['nodes.conf', 'appendonlydir', 'dump.rdb'])
            rmSync(join(dirOf(port), file), { recursive: true, force: true });
      for (const port of REDIS_HA_PORTS) launch(port);
      await Promise.all(REDIS_HA_PORTS.map(answers));
      if (create)
        await run('redis-cli', [
          '--cluster',
          'create',
          ...REDIS_HA_PORTS.map((port) => `127.0.0.1:${port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
        ]);
    },
    healthy,
    async stop() {
      const stopped = await Promise.all(REDIS_HA_PORTS.map((port) => stopDetached(dirOf(port))));
      return stopped.some(Boolean);
    },
    async killRedisNode(port) {
      if (!(await killDetached(dirOf(port)))) throw new Error(`redis-ha ${port} is not running`);
    },
    async startRedisNode(port) {
      if (running().includes(port)) throw new Error(`redis-ha ${port} is running`);
      launch(port);
      await waitUntil(
        `redis-ha ${port}`,
        () => joined(port),
        START_TIMEOUT_MS,
        join(dirOf(port), 'server.log'),
      );
    },
    clusterNodes,
    mastersOf,
    replicaOf,
    async masterOfKey(key) {
      const port = running()[0];
      if (port === undefined) throw new Error('no node of redis-ha is running');
      const slot = Number(await redisCli(port, 'cluster', 'keyslot', key));
      const master = (await clusterNodes()).find(
        (node) => node.role === 'master' && !node.failing && servesSlot(node, slot),
      );
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return master.port;
    },
    waitClusterOk: (timeoutMs = START_TIMEOUT_MS) =>
      waitUntil('redis-ha cluster_state:ok', allStatesOk, timeoutMs),
  };
}
