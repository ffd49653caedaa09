/** Where the local stack listens. Ports are off the defaults so the machine's own services never collide. */
export const KAFKA_PORT = 19092;
export const KAFKA_CONTROLLER_PORT = 19093;
export const OPENSEARCH_PORT = 19200;
export const OPENSEARCH_TRANSPORT_PORT = 19300;
export const REDIS_PORT = 16379;
export const REDIS_CLUSTER_PORTS = [17001, 17002, 17003] as const;

export const KAFKA_BROKERS = [`127.0.0.1:${KAFKA_PORT}`];
export const SEARCH_URL = `http://127.0.0.1:${OPENSEARCH_PORT}`;
export const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;
export const REDIS_CLUSTER_URLS = REDIS_CLUSTER_PORTS.map((port) => `redis://127.0.0.1:${port}`);

/**
 * The production-shaped stack for fault tests, started on demand. Broker `i` of the Kafka cluster is
 * node id `i`. Every Redis Cluster node also listens on its port + 10,000 for the cluster bus, so these
 * ports keep clear of 27001-27003, the bus of the cluster above, and below the ephemeral range (32768).
 */
export const KAFKA_CLUSTER_PORTS = [29092, 29093, 29094] as const;
export const KAFKA_CLUSTER_CONTROLLER_PORTS = [29192, 29193, 29194] as const;
export const REDIS_HA_PORTS = [18001, 18002, 18003, 18004, 18005, 18006] as const;

export const KAFKA_CLUSTER_BROKERS = KAFKA_CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`);
export const REDIS_HA_URLS = REDIS_HA_PORTS.map((port) => `redis://127.0.0.1:${port}`);
