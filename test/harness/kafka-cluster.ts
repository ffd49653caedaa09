import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_CLUSTER_BROKERS, KAFKA_CLUSTER_CONTROLLER_PORTS, KAFKA_CLUSTER_PORTS } from './endpoints.ts';
import { fetchKafkaJars, kafkaLibs, newClusterId, startBrokerProcess, writeBrokerConfig } from './kafka.ts';
import { isAlive, killDetached, readPid, stopDetached, waitUntil } from './processes.ts';
import type { Service } from './service.ts';

/** Three brokers for fault tests; broker `id` (0, 1 or 2) is Kafka node id `id`. */
export interface KafkaCluster extends Service {
  readonly brokers: readonly string[];
  /** SIGKILL of the broker's JVM, as a crash: no controlled shutdown, its data left as it was. */
  killBroker(id: number): Promise<void>;
  /** Starts the broker on its own data; resolves once it is back, unfenced, in the cluster metadata. */
  startBroker(id: number): Promise<void>;
  /** SIGTERM (a controlled shutdown that hands its leaderships over), its exit, then `startBroker`. */
  restartBroker(id: number): Promise<void>;
  /** Node ids of the brokers the cluster metadata lists as up (registered and not fenced), ascending. */
  brokersUp(): Promise<number[]>;
  /** The in-sync replicas (node ids, ascending) of each partition of `topic`, by partition number. */
  inSyncReplicas(topic: string): Promise<number[][]>;
}

const IDS = [0, 1, 2] as const;
/** Each of the three JVMs; the machine runs the single-node stack and OpenSearch beside them. */
const HEAP = ['-Xms128m', '-Xmx384m'];
const BROKER_START_TIMEOUT_MS = 90_000;

/**
 * Three combined brokers and controllers in KRaft mode from the single broker's jars, each its own
 * detached JVM with its data, pid and `server.log` in `<stackDir>/kafka-cluster/broker-<id>`, so one
 * can be killed alone. Each broker's storage is formatted, on its first start, with the one cluster
 * id kept in `<stackDir>/kafka-cluster/cluster-id`.
 */
export function kafkaClusterService(stackDir: string, cacheDir: string): KafkaCluster {
  const root = join(stackDir, 'kafka-cluster');
  const libs = kafkaLibs(cacheDir);
  const dirOf = (id: number) => join(root, `broker-${id}`);
  const logOf = (id: number) => join(dirOf(id), 'server.log');
  const voters = IDS.map((id) => `${id}@127.0.0.1:${KAFKA_CLUSTER_CONTROLLER_PORTS[id]}`).join(',');

  const clusterId = () => {
    const file = join(root, 'cluster-id');
    if (!existsSync(file)) {
      mkdirSync(root, { recursive: true });
      writeFileSync(file, newClusterId());
    }
    return readFileSync(file, 'utf8').trim();
  };

  const client = () =>
    new Kafka({
      brokers: [...KAFKA_CLUSTER_BROKERS],
      clientId: 'vigil-stack',
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      // A seed broker that is down costs one retry, on to the next one.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
    });

  async function brokersUp(): Promise<number[]> {
    const admin = client().admin();
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      return brokers.map((broker) => broker.nodeId).sort((a, b) => a - b);
    } finally {
      await admin.disconnect();
    }
  }

  async function launch(id: number): Promise<void> {
    if (!(IDS as readonly number[]).includes(id)) throw new Error(`kafka-cluster has no broker ${id}`);
    const dir = dirOf(id);
    if (readPid(dir) !== undefined && isAlive(readPid(dir)!)) throw new Error(`broker ${id} is running`);
    const properties = await writeBrokerConfig(
      libs,
      dir,
      'cluster.properties',
      {
        NODE_ID: String(id),
        BROKER_PORT: String(KAFKA_CLUSTER_PORTS[id]),
        CONTROLLER_PORT: String(KAFKA_CLUSTER_CONTROLLER_PORTS[id]),
        VOTERS: voters,
        DATA_DIR: join(dir, 'data'),
      },
      clusterId,
    );
    startBrokerProcess(libs, dir, properties, HEAP);
  }

  async function startBroker(id: number): Promise<void> {
    await launch(id);
    await waitUntil(
      `kafka-cluster broker ${id}`,
      async () => (await brokersUp()).includes(id),
      BROKER_START_TIMEOUT_MS,
      logOf(id),
    );
  }

  /**
   * The first consumer group and the first transactional producer make the broker create
   * `__consumer_offsets` and `__transaction_state`, at replication factor 3: with one broker down that
   * is impossible, so a test that kills a broker before either exists would never find a coordinator.
   */
  async function createInternalTopics(): Promise<void> {
    const kafka = client();
    const admin = kafka.admin();
    const producer = kafka.producer({
      transactionalId: 'vigil-stack-warm-up',
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    try {
      await admin.connect();
      // The admin client does not retry while the coordinator's partition is being created.
      await waitUntil(
        'kafka-cluster __consumer_offsets',
        async () => Array.isArray(await admin.fetchOffsets({ groupId: 'vigil-stack-warm-up', topics: [] })),
        BROKER_START_TIMEOUT_MS,
      );
      await producer.connect();
      // Only a transaction looks for the transaction coordinator: an empty one is enough.
      await (await producer.transaction()).abort();
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }

  return {
    name: 'kafka-cluster',
    endpoint: KAFKA_CLUSTER_BROKERS.join(','),
    brokers: KAFKA_CLUSTER_BROKERS,
    startTimeoutMs: BROKER_START_TIMEOUT_MS,
    prepare: () => fetchKafkaJars(cacheDir),
    /** Resolves once all three brokers are up and the internal topics exist. */
    async start() {
      for (const id of IDS) await launch(id);
      await waitUntil(
        'kafka-cluster',
        async () => (await brokersUp()).length === IDS.length,
        BROKER_START_TIMEOUT_MS,
        logOf(0),
      );
      await createInternalTopics();
    },
    healthy: async () => (await brokersUp()).length === IDS.length,
    async stop() {
      const stopped = await Promise.all(IDS.map((id) => stopDetached(dirOf(id))));
      return stopped.some(Boolean);
    },
    brokersUp,
    startBroker,
    async killBroker(id) {
      if (!(await killDetached(dirOf(id)))) throw new Error(`broker ${id} is not running`);
    },
    async restartBroker(id) {
      if (!(await stopDetached(dirOf(id)))) throw new Error(`broker ${id} is not running`);
      await startBroker(id);
    },
    async inSyncReplicas(topic) {
      const admin = client().admin();
      try {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return topics[0]!.partitions
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((partition) => [...partition.isr].sort((a, b) => a - b));
      } finally {
        await admin.disconnect();
      }
    },
  };
}
