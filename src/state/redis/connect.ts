import { Cluster, Redis, type ClusterNode, type ClusterOptions } from 'ioredis';
import type { Config } from '../../config/index.ts';

/**
 * One client for the whole process. Auto-pipelining turns the script calls a batch issues in one tick
 * into one write per node; the offline queue holds commands across a reconnect instead of failing them.
 */
export function connectRedis(config: Pick<Config['redis'], 'mode' | 'urls' | 'keyPrefix'>): Redis | Cluster {
  const common = { enableAutoPipelining: true, lazyConnect: true } as const;
  if (config.mode === 'standalone')
    return new Redis(config.urls[0]!, { ...common, maxRetriesPerRequest: null });
  const { nodes, options } = clusterOptionsOf(config.urls);
  return new Cluster(nodes, { ...common, ...options });
}

/**
 * The seed nodes and node options of a cluster from its URLs. ioredis reads a URL (credentials, and
 * TLS for `rediss://`) for a standalone client only; a cluster takes them as options, applied to
 * every node it discovers, so one `rediss://` seed means TLS for all of them.
 */
export function clusterOptionsOf(urls: readonly string[]): {
  nodes: ClusterNode[];
  options: Pick<ClusterOptions, 'redisOptions'>;
} {
  const parsed = urls.map((url) => new URL(url));
  const nodes = parsed.map(({ hostname, port }) => ({
    host: hostname.replace(/^\[(.*)\]$/, '$1'), // an IPv6 literal, without the URL's brackets
    port: Number(port || 6379),
  }));
  const { username, password } = parsed[0]!;
  const tls = parsed.some((url) => url.protocol === 'rediss:');
  return {
    nodes,
    options: {
      redisOptions: {
        maxRetriesPerRequest: null,
        ...(username && { username: decodeURIComponent(username) }),
        ...(password && { password: decodeURIComponent(password) }),
        ...(tls && { tls: {} }),
      },
    },
  };
}
