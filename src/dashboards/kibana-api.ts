import type { Config } from '../config/index.ts';
import { basicAuthOf } from '../config/redact.ts';

export type KibanaCredentials = Pick<Config['search'], 'username' | 'password' | 'apiKey'>;

/**
 * One request to Kibana's HTTP API, under the URL's base path (and space, `…/s/<space>`). Kibana
 * checks credentials against the same cluster, so the search engine's are used; without them, those
 * in the URL.
 */
export function kibanaFetch(
  kibanaUrl: string,
  path: string,
  credentials: KibanaCredentials,
  init: { method: string; body?: FormData; json?: unknown },
): Promise<Response> {
  // fetch refuses a URL with `user:password@`; those credentials go in a header instead.
  const target = basicAuthOf(kibanaUrl);
  const headers: Record<string, string> = { 'kbn-xsrf': 'vigil' };
  if (credentials.apiKey) headers.authorization = `ApiKey ${credentials.apiKey}`;
  else if (credentials.username)
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
  else if (target.authorization) headers.authorization = target.authorization;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const url = new URL(path, target.url.endsWith('/') ? target.url : `${target.url}/`);
  return fetch(url, {
    method: init.method,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    signal: AbortSignal.timeout(60_000),
  });
}
