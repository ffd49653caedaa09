import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import { JWKS_PATH, type TransmitterConfiguration } from '../sinks/commands/discovery.ts';

export interface HttpEndpoints {
  readonly registry: Registry;
  /** Ready to take traffic: in the consumer group, able to commit, and not shutting down. */
  readonly ready: () => boolean;
  /** Why it is not ready, for the /readyz body. */
  readonly notReady?: () => string | undefined;
  /** Why it is stuck, if it is: /healthz then fails, so an orchestrator restarts it. */
  readonly stalled?: () => string | undefined;
  /** The public key that verifies commands, on processors that sign them. */
  readonly jwks?: object;
  /** The SSF configuration document that leads receivers to that key, beside it. */
  readonly transmitter?: TransmitterConfiguration;
  /** The SSF stream management and poll API, where configured: answers its own paths, says if it did. */
  readonly ssf?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

/**
 * What one client may hold of the ops port. Its callers (Prometheus, a kubelet's probes, a receiver
 * fetching the JWKS) send a few hundred bytes and read a few kilobytes, so the bounds can be tight:
 * without them every half-open or slow connection keeps a file descriptor forever, and enough of them
 * (a port scan, a slowloris) end in EMFILE for the whole process.
 */
export interface HttpLimits {
  /** Connections beyond this are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** A request's headers must have arrived within this long of the connection (or the last response). */
  readonly headersTimeoutMs: number;
  /** A whole request must have arrived within this long; at least `headersTimeoutMs`. */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  // Node's own default; a scraper that keeps its connection for longer reconnects, which is cheap.
  keepAliveTimeoutMs: 5_000,
};

/** The limits as configured (VIGIL_HTTP_MAX_CONNECTIONS, VIGIL_HTTP_TIMEOUT_MS). */
export function httpLimitsOf(ops: Config['ops']): Partial<HttpLimits> {
  return {
    maxConnections: ops.httpMaxConnections,
    headersTimeoutMs: ops.httpTimeoutMs,
    requestTimeoutMs: ops.httpTimeoutMs,
  };
}

/**
 * /metrics for Prometheus, /healthz (alive), /readyz (in the group), and, where commands are signed, the
 * key that verifies them and the SSF configuration document that names it.
 */
export function startHttpServer(
  endpoints: HttpEndpoints,
  port: number,
  host: string,
  limits: Partial<HttpLimits> = {},
): Promise<Server> {
  const { maxConnections, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = {
    ...DEFAULT_HTTP_LIMITS,
    ...limits,
  };
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(requestTimeoutMs, headersTimeoutMs),
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node enforces the two timeouts above only when it sweeps its connections, every 30 s by
      // default; sweeping more often lets a slow client go within about its timeout.
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeoutMs / 2))),
    },
    (request, response) => {
      const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
        response.writeHead(status, { 'content-type': type }).end(body);
      };
      switch (request.url) {
        case '/metrics':
          endpoints.registry.metrics().then(
            (text) => send(200, text, endpoints.registry.contentType),
            (error: Error) => send(500, error.message),
          );
          return;
        case '/healthz': {
          const stalled = endpoints.stalled?.();
          return stalled ? send(503, `stalled: ${stalled}\n`) : send(200, 'ok\n');
        }
        case '/readyz': {
          if (endpoints.ready()) return send(200, 'ready\n');
          const why = endpoints.notReady?.();
          return send(503, why ? `not ready: ${why}\n` : 'not ready\n');
        }
        case JWKS_PATH:
          if (endpoints.jwks) return send(200, JSON.stringify(endpoints.jwks), 'application/jwk-set+json');
          return send(404, 'not found\n');
        default: {
          const { transmitter } = endpoints;
          // SSF 1.0 §7.2: the document MUST be returned as application/json.
          if (transmitter && request.url === transmitter.path)
            return send(200, JSON.stringify(transmitter.document), 'application/json');
          if (endpoints.ssf?.(request, response)) return;
          return send(404, 'not found\n');
        }
      }
    },
  );
  server.maxConnections = maxConnections;
  // A client that stops reading its response is under neither timeout; the socket's idle timer closes
  // it. Twice the request timeout, so a slow sender still gets its 408 from the sweep first.
  server.setTimeout(2 * Math.max(requestTimeoutMs, headersTimeoutMs), (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
