import { kibanaFetch, type KibanaCredentials } from './kibana-api.ts';

/** The advanced setting listing the indices Kibana's Security app reads events and external alerts from. */
export const SECURITY_DEFAULT_INDEX = 'securitySolution:defaultIndex';

/**
 * What the setting holds until someone changes it: Kibana's `DEFAULT_INDEX_PATTERN`
 * (x-pack security_solution `common/constants.ts`). Kibana's settings API returns only values users
 * set, so adding to an untouched setting starts from this list, keeping what Security already reads.
 */
export const SECURITY_INDEX_DEFAULTS = [
  'apm-*-transaction*',
  'auditbeat-*',
  'endgame-*',
  'filebeat-*',
  'logs-*',
  'packetbeat-*',
  'traces-apm*',
  'winlogbeat-*',
  '-*elastic-cloud-logs-*',
] as const;

/** The patterns with `pattern` added at the end, or `undefined` when it is already there. */
export function withIndexPattern(patterns: readonly string[], pattern: string): string[] | undefined {
  return patterns.includes(pattern) ? undefined : [...patterns, pattern];
}

/**
 * Adds an index pattern to Kibana Security's default indices (in the URL's space), so its Alerts,
 * Users and Hosts views read Vigil's documents. Idempotent: a pattern already listed changes nothing.
 */
export async function addSecurityIndexPattern(
  kibanaUrl: string,
  pattern: string,
  credentials: KibanaCredentials,
): Promise<{ readonly added: boolean; readonly patterns: readonly string[] }> {
  const read = await kibanaFetch(kibanaUrl, 'api/kibana/settings', credentials, { method: 'GET' });
  const text = await read.text();
  if (!read.ok) throw new Error(`Kibana refused to list its settings: HTTP ${read.status} ${text}`);
  const { settings } = JSON.parse(text) as { settings?: Record<string, { userValue?: unknown }> };
  const current = settings?.[SECURITY_DEFAULT_INDEX]?.userValue;
  const patterns = Array.isArray(current)
    ? current.map(String)
    : typeof current === 'string' // a value set as text: comma-separated
      ? current.split(',').map((item) => item.trim())
      : [...SECURITY_INDEX_DEFAULTS];
  const wanted = withIndexPattern(patterns, pattern);
  if (!wanted) return { added: false, patterns };
  const write = await kibanaFetch(kibanaUrl, 'api/kibana/settings', credentials, {
    method: 'POST',
    json: { changes: { [SECURITY_DEFAULT_INDEX]: wanted } },
  });
  if (!write.ok)
    throw new Error(
      `Kibana refused to set ${SECURITY_DEFAULT_INDEX}: HTTP ${write.status} ${await write.text()}`,
    );
  return { added: true, patterns: wanted };
}
