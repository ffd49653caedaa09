import { Client, Transport, type TransportOptions } from '@elastic/elasticsearch';
import type { Config } from '../../config/index.ts';

type ClientOptions = ConstructorParameters<typeof Client>[0];

export type SearchEngine = 'elasticsearch' | 'opensearch';

export interface SearchConnection {
  readonly client: Client;
  readonly engine: SearchEngine;
  readonly version: string;
}

/**
 * The official Elasticsearch client speaks to OpenSearch with the same request bodies once two
 * Elasticsearch-only habits are dropped: the product check (OpenSearch sends no `x-elastic-product`)
 * and the vendored `application/vnd.elasticsearch+json; compatible-with=9` media types, which
 * OpenSearch does not accept. Everything else (APIs, helpers.bulk, retries) stays the client's own.
 */
class OpenSearchTransport extends Transport {
  constructor(options: TransportOptions) {
    const { vendoredHeaders: _dropped, ...rest } = options;
    super({ ...rest, productCheck: undefined });
  }
}

/** Asks the engine's root endpoint what it is, unless the configuration says so. */
export async function connectSearch(config: Config['search']): Promise<SearchConnection> {
  const options: ClientOptions = {
    node: config.url,
    ...(config.apiKey
      ? { auth: { apiKey: config.apiKey } }
      : config.username && config.password
        ? { auth: { username: config.username, password: config.password } }
        : {}),
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    requestTimeout: 30_000,
  };
  const probe = new Client({ ...options, Transport: OpenSearchTransport });
  try {
    const info = (await probe.transport.request({ method: 'GET', path: '/' })) as {
      version?: { number?: string; distribution?: string };
    };
    const detected: SearchEngine =
      info.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
    const engine = config.engine === 'auto' ? detected : config.engine;
    if (engine === 'opensearch') return { client: probe, engine, version: info.version?.number ?? 'unknown' };
    await probe.close();
    return { client: new Client(options), engine, version: info.version?.number ?? 'unknown' };
  } catch (error) {
    await probe.close();
    throw error;
  }
}
