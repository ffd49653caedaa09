import { kibanaFetch, type KibanaCredentials } from './kibana-api.ts';
import type { SavedObject } from './kibana.ts';

export interface ImportResult {
  readonly successCount: number;
}

/** Imports saved objects through Kibana's saved-objects API, overwriting Vigil's own objects by id. */
export async function importIntoKibana(
  kibanaUrl: string,
  objects: readonly SavedObject[],
  credentials: KibanaCredentials,
): Promise<ImportResult> {
  const form = new FormData();
  const ndjson = objects.map((object) => JSON.stringify(object)).join('\n');
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'vigil.ndjson');
  const response = await kibanaFetch(kibanaUrl, 'api/saved_objects/_import?overwrite=true', credentials, {
    method: 'POST',
    body: form,
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
