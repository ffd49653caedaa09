import type { Config } from '../config/index.ts';
import { connectSearch } from '../sinks/search/client.ts';
import type { Finding } from './evaluate.ts';

interface Hit {
  '@timestamp'?: string;
  user?: { id?: string };
  vigil?: { event_id?: string; signal?: { type?: string }; decision?: { action?: string } };
}

/** Reads back what `vigil run` wrote: every signal and decision under the configured index prefix. */
export async function findingsFromSearch(config: Config['search']): Promise<Finding[]> {
  const { client } = await connectSearch(config);
  const findings: Finding[] = [];
  try {
    for (const kind of ['signals', 'decisions'] as const) {
      const index = `${config.indexPrefix}-${kind}-*`;
      await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
      let after: (string | number)[] | undefined;
      for (;;) {
        const page = await client.search<Hit>({
          index,
          size: 1000,
          allow_no_indices: true,
          ignore_unavailable: true,
          sort: [{ '@timestamp': 'asc' }, { 'event.id': 'asc' }],
          _source: ['@timestamp', 'vigil.event_id', 'user.id', 'vigil.signal.type', 'vigil.decision.action'],
          ...(after && { search_after: after }),
        });
        for (const hit of page.hits.hits) {
          const source = hit._source ?? {};
          findings.push({
            kind: kind === 'signals' ? 'signal' : 'decision',
            event_id: source.vigil?.event_id ?? '',
            user_id: source.user?.id ?? '',
            ...(source['@timestamp'] && { occurred_at: source['@timestamp'] }),
            ...(source.vigil?.signal?.type && { type: source.vigil.signal.type }),
            ...(source.vigil?.decision?.action && { action: source.vigil.decision.action }),
          });
        }
        if (page.hits.hits.length < 1000) break;
        after = page.hits.hits.at(-1)!.sort as (string | number)[];
      }
    }
  } finally {
    await client.close();
  }
  return findings;
}
