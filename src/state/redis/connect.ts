import { Cluster, Redis } from 'ioredis';
import type { Config } from '../../config/index.ts';

/**
 * One client for the whole process. Auto-pipelining turns the script calls a batch issues in one tick
 * into one write per node; the offline queue holds commands across a reconnect instead of failing them.
 */
export function connectRedis(config: Config['redis']): Redis | Cluster {
  const common = { enableAutoPipelining: true, lazyConnect: true } as const;
  if (config.mode === 'standalone')
    return new Redis(config.urls[0]!, { ...common, maxRetriesPerRequest: null });
  const nodes = config.urls.map((url) => {
    const { hostname, port } = new URL(url);
    return { host: hostname, port: Number(port || 6379) };
  });
  const { username, password } = new URL(config.urls[0]!);
  return new Cluster(nodes, {
    ...common,
    redisOptions: {
      maxRetriesPerRequest: null,
      ...(username && { username: decodeURIComponent(username) }),
      ...(password && { password: decodeURIComponent(password) }),
    },
  });
}
