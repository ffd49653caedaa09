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
