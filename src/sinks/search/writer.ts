import type { Client } from '@elastic/elasticsearch';
import { coalesce } from '../coalesce.ts';
import type { Annotation, SearchDocument } from './documents.ts';

export interface RejectedDocument {
  readonly document: SearchDocument;
  readonly status: number;
  readonly reason: string;
}

export class RetryableSearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableSearchError';
  }
}

/**
 * Writes one batch's documents in one bulk request. The batch is already bounded by what Kafka hands
 * over, so no buffer of our own is needed. Items refused for load (429) or by a failing node (5xx) make
 * the whole call fail as retryable, and the retry rewrites every document under the same ids (a no-op
 * for those already written). Items refused for their content are returned: retrying cannot fix them.
 */
export async function writeDocuments(
  client: Client,
  documents: readonly SearchDocument[],
  pipeline: string,
): Promise<RejectedDocument[]> {
  if (documents.length === 0) return [];
  const response = await client.bulk(
    {
      operations: documents.flatMap((doc) => [{ index: { _index: doc.index, _id: doc.id } }, doc.body]),
      // The ingest pipeline (`ingestPipeline`) stamps `event.ingested` as each document is stored.
      pipeline,
    },
    // The caller's retry owns the back-off, and counts and logs each failure; the client's own
    // retries would hide an unreachable engine for seconds.
    { maxRetries: 0 },
  );
  if (!response.errors) {
    await annotateAll(client, documents);
    return [];
  }
  const rejected: RejectedDocument[] = [];
  let retryable = 0;
  response.items.forEach((item, i) => {
    const result = item.index;
    if (!result?.error) return;
    if (result.status === 429 || result.status >= 500) retryable++;
    else
      rejected.push({
        document: documents[i]!,
        status: result.status,
        reason: `${result.error.type}: ${result.error.reason ?? ''}`,
      });
  });
  if (retryable > 0)
    throw new RetryableSearchError(
      `${retryable} of ${documents.length} documents refused for load or a failing node`,
    );
  const refused = new Set(rejected.map(({ document }) => document));
  await annotateAll(
    client,
    documents.filter((document) => !refused.has(document)),
  );
  return rejected;
}

/**
 * Sets a document's `vigil.*` fields unless it holds a later verdict already (ISO times in UTC compare
 * as text), so verdicts applied in any order leave the newest. Painless runs on both engines.
 */
const ANNOTATE_SCRIPT = `
if (ctx._source.vigil == null) { ctx._source.vigil = [:]; }
def held = ctx._source.vigil.verdict;
if (held != null && held.at != null && held.at.compareTo(params.at) > 0) { ctx.op = 'noop'; return; }
for (def field : params.fields.entrySet()) { ctx._source.vigil[field.getKey()] = field.getValue(); }
`;

/**
 * Annotations go by query: the verdict names a decision by id, not the monthly index that holds it.
 * Verdicts are few, so one request each; a decision not indexed yet is not found and stays unmarked
 * (its verdict's own document still records the case).
 */
async function annotateAll(client: Client, documents: readonly SearchDocument[]): Promise<void> {
  for (const { annotates } of documents) if (annotates) await annotate(client, annotates);
}

async function annotate(client: Client, annotation: Annotation): Promise<void> {
  await client.updateByQuery(
    {
      index: annotation.index,
      allow_no_indices: true,
      ignore_unavailable: true,
      query: { ids: { values: [annotation.id] } },
      script: {
        lang: 'painless',
        source: ANNOTATE_SCRIPT,
        params: { at: annotation.at, fields: annotation.vigil },
      },
    },
    { maxRetries: 0 },
  );
}

/**
 * `writeDocuments` for batches processed at once: those that arrive while a bulk request is in flight
 * go together into the next one, and each gets back its own refused documents.
 */
export function groupWriter(
  client: Client,
  pipeline: string,
): (documents: readonly SearchDocument[]) => Promise<RejectedDocument[]> {
  return coalesce(async (batches: readonly (readonly SearchDocument[])[]) => {
    const rejected = await writeDocuments(client, batches.flat(), pipeline);
    if (rejected.length === 0) return batches.map(() => []);
    return batches.map((documents) => {
      const own = new Set(documents);
      return rejected.filter(({ document }) => own.has(document));
    });
  });
}
