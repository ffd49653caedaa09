import type { Alert } from './alert.ts';

/**
 * Posts to every Alertmanager of the cluster, as Prometheus does, and succeeds when one of them took
 * the alerts: they gossip among themselves. Posting the same alert again only refreshes it, so a
 * redelivered batch is harmless.
 */
export async function postToAlertmanagers(urls: readonly string[], alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0 || urls.length === 0) return;
  const body = JSON.stringify(alerts);
  const results = await Promise.allSettled(
    urls.map(async (url) => {
      const response = await fetch(new URL('api/v2/alerts', url.endsWith('/') ? url : `${url}/`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    }),
  );
  if (results.some((result) => result.status === 'fulfilled')) return;
  const reasons = results.map((result) => (result as PromiseRejectedResult).reason as Error);
  throw new AggregateError(
    reasons,
    `no Alertmanager took the alerts: ${reasons.map((r) => r.message).join('; ')}`,
  );
}
