import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { Alert } from '../../../src/sinks/alerts/alert.ts';
import { postToAlertmanagers } from '../../../src/sinks/alerts/alertmanager.ts';

const alert: Alert = {
  labels: { alertname: 'VigilRiskDecision', user: 'dave' },
  annotations: { decision_id: 'd-123' },
  startsAt: '2026-03-19T09:45:00.000Z',
  endsAt: '2026-03-19T13:45:00.000Z',
  generatorURL: 'https://kibana.example/app/dashboards',
};

/** An Alertmanager stand-in that answers every request with `status` and remembers what it was sent. */
async function alertmanager(t: TestContext, status: number) {
  const seen: { url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ url: request.url, headers: request.headers, body });
      response.writeHead(status).end(status === 200 ? '' : 'proxy says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, seen };
}

test("an Alertmanager URL's user:password is sent as Basic authentication, not in the URL", async (t) => {
  const { port, seen } = await alertmanager(t, 200);
  await postToAlertmanagers([`http://pager:p%40ss@127.0.0.1:${port}/`], [alert]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.url, '/api/v2/alerts');
  assert.equal(seen[0]!.headers.authorization, `Basic ${Buffer.from('pager:p@ss').toString('base64')}`);
  assert.deepEqual(JSON.parse(seen[0]!.body), [alert]);
});

test('an Alertmanager that refuses is named in the error without its credentials', async (t) => {
  const { port } = await alertmanager(t, 401);
  await assert.rejects(postToAlertmanagers([`http://pager:hunter2@127.0.0.1:${port}`], [alert]), {
    message: `no Alertmanager took the alerts: http://[redacted]@127.0.0.1:${port}: HTTP 401 proxy says no`,
  });
});
