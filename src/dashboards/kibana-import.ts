import type { Config } from '../config/index.ts';
import { basicAuthOf } from '../config/redact.ts';
import type { SavedObject } from './kibana.ts';

export interface ImportResult {
  readonly successCount: number;
}

/**
 * Imports saved objects through Kibana's saved-objects API, overwriting Vigil's own objects by id.
 * Kibana checks credentials against the same cluster, so the search engine's are used.
 */
export async function importIntoKibana(
  kibanaUrl: string,
  objects: readonly SavedObject[],
  credentials: Pick<Config['search'], 'username' | 'password' | 'apiKey'>,
): Promise<ImportResult> {
  const form = new FormData();
  const ndjson = objects.map((object) => JSON.stringify(object)).join('\n');
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'vigil.ndjson');
  // fetch refuses a URL with `user:password@`; those credentials go in a header instead.
  const target = basicAuthOf(kibanaUrl);
  const headers: Record<string, string> = { 'kbn-xsrf': 'vigil' };
  if (credentials.apiKey) headers.authorization = `ApiKey ${credentials.apiKey}`;
  else if (credentials.username)
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
  else if (target.authorization) headers.authorization = target.authorization;
  const url = new URL(
    'api/saved_objects/_import?overwrite=true',
    target.url.endsWith('/') ? target.url : `${target.url}/`,
  );
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Kibana refused the import: HTTP ${response.status} ${text}`);
  const result = JSON.parse(text) as {
    success: boolean;
    successCount: number;
    errors?: { id: string; type: string; error: { type: string; message?: string } }[];
  };
  if (!result.success) {
    const problems = (result.errors ?? []).map(
      (e) => `${e.type} ${e.id}: ${e.error.message ?? e.error.type}`,
    );
    throw new Error(
      `Kibana imported ${result.successCount} of ${objects.length} objects: ${problems.join('; ')}`,
    );
  }
  return { successCount: result.successCount };
}
