import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DEFAULT_HTTP_LIMITS, httpLimitsOf, startHttpServer } from '../../src/ops/http-server.ts';
import { loadConfig } from '../../src/config/index.ts';

/** A client that connects, sends half a request line and headers, and then nothing more. */
function slowClient(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
  });
}

test(
  '30 slow clients on a port capped at 5 connections: 5 time out, 25 are refused, /healthz answers',
  {
    timeout: 10_000,
  },
  async (t) => {
    const server = await startHttpServer({ registry: new Registry(), ready: () => true }, 0, '127.0.0.1', {
      maxConnections: 5,
      headersTimeoutMs: 300,
      requestTimeoutMs: 300,
    });
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    const endings = await Promise.all(Array.from({ length: 30 }, () => slowClient(port)));
    const counts = Object.groupBy(endings, (line) => line || 'closed unanswered');
    assert.deepEqual(
      {
        timedOut: counts['HTTP/1.1 408 Request Timeout']?.length,
        refused: counts['closed unanswered']?.length,
      },
      { timedOut: 5, refused: 25 },
    );
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok\n');
  },
);

test('the limits come from VIGIL_HTTP_MAX_CONNECTIONS and VIGIL_HTTP_TIMEOUT_MS, 64 and 10 s by default', () => {
  assert.deepEqual(httpLimitsOf(loadConfig({ env: {} }).ops), {
    maxConnections: 64,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
  });
  assert.deepEqual(
    httpLimitsOf(
      loadConfig({ env: { VIGIL_HTTP_MAX_CONNECTIONS: '16', VIGIL_HTTP_TIMEOUT_MS: '2500' } }).ops,
    ),
    { maxConnections: 16, headersTimeoutMs: 2500, requestTimeoutMs: 2500 },
  );
  assert.equal(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs, 5_000);
});
