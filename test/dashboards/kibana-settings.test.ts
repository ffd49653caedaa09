import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import {
  addSecurityIndexPattern,
  SECURITY_DEFAULT_INDEX,
  SECURITY_INDEX_DEFAULTS,
  withIndexPattern,
} from '../../src/dashboards/kibana-settings.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Answers Kibana's settings API as Kibana does, holding `userValues`, and records every request. */
async function settingsApi(t: TestContext, userValues: Record<string, unknown>) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      if (request.method === 'POST') {
        const { changes } = JSON.parse(body) as { changes: Record<string, unknown> };
        Object.assign(userValues, changes);
      }
      const settings = Object.fromEntries(
        Object.entries(userValues).map(([key, userValue]) => [key, { userValue }]),
      );
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ settings }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/s/security`, received, userValues };
}

test('a pattern is added once, at the end', () => {
  assert.deepEqual(withIndexPattern(['logs-*'], 'vigil-*'), ['logs-*', 'vigil-*']);
  assert.equal(withIndexPattern(['logs-*', 'vigil-*'], 'vigil-*'), undefined);
});

test("an untouched setting gets Security's own defaults and vigil-*, in the URL's space, with the API key", async (t) => {
  const kibana = await settingsApi(t, {});
  const result = await addSecurityIndexPattern(kibana.url, 'vigil-*', { apiKey: 'k1' });
  assert.deepEqual(result, { added: true, patterns: [...SECURITY_INDEX_DEFAULTS, 'vigil-*'] });
  assert.deepEqual(
    kibana.received.map(({ method, url }) => `${method} ${url}`),
    ['GET /s/security/api/kibana/settings', 'POST /s/security/api/kibana/settings'],
  );
  const post = kibana.received[1]!;
  assert.equal(post.headers.authorization, 'ApiKey k1');
  assert.equal(post.headers['kbn-xsrf'], 'vigil');
  assert.deepEqual(JSON.parse(post.body), {
    changes: { [SECURITY_DEFAULT_INDEX]: [...SECURITY_INDEX_DEFAULTS, 'vigil-*'] },
  });
});

test('a setting someone changed keeps their patterns; a second run changes nothing', async (t) => {
  const kibana = await settingsApi(t, { [SECURITY_DEFAULT_INDEX]: ['logs-*', 'custom-*'] });
  const credentials = { username: 'elastic', password: 'changeme' };
  assert.equal((await addSecurityIndexPattern(kibana.url, 'acme-*', credentials)).added, true);
  assert.deepEqual(kibana.userValues[SECURITY_DEFAULT_INDEX], ['logs-*', 'custom-*', 'acme-*']);
  assert.deepEqual(await addSecurityIndexPattern(kibana.url, 'acme-*', credentials), {
    added: false,
    patterns: ['logs-*', 'custom-*', 'acme-*'],
  });
  assert.deepEqual(
    kibana.received.map(({ method }) => method),
    ['GET', 'POST', 'GET'],
  );
});
