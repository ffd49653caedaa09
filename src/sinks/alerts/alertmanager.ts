import { basicAuthOf, redactSecrets } from '../../config/redact.ts';
import type { Alert } from './alert.ts';

/**
 * Posts to every Alertmanager of the cluster, as Prometheus does, and succeeds when one of them took
 * the alerts: they gossip among themselves. Posting the same alert again only refreshes it, so a
 * redelivered batch is harmless. An Alertmanager behind a proxy that wants Basic authentication is
 * given it from the URL's `user:password@`.
 */
export async function postToAlertmanagers(urls: readonly string[], alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0 || urls.length === 0) return;
  const body = JSON.stringify(alerts);
  const results = await Promise.allSettled(
    urls.map(async (url) => {
      // Errors name the Alertmanager, and they end up in logs: never with its credentials.
      const shown = redactSecrets(url);
      const target = basicAuthOf(url);
      let response: Response;
      try {
        response = await fetch(new URL('api/v2/alerts', withSlash(target.url)), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(target.authorization && { authorization: target.authorization }),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        throw new Error(`${shown}: ${redactSecrets((error as Error).message)}`, { cause: error });
      }
      if (!response.ok) throw new Error(`${shown}: HTTP ${response.status} ${await response.text()}`);
    }),
  );
  if (results.some((result) => result.status === 'fulfilled')) return;
  const reasons = results.map((result) => (result as PromiseRejectedResult).reason as Error);
  throw new AggregateError(
    reasons,
    `no Alertmanager took the alerts: ${reasons.map((r) => r.message).join('; ')}`,
  );
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
