import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HttpEndpoints {
  readonly registry: Registry;
  /** Ready to take traffic: in the consumer group and not shutting down. */
  readonly ready: () => boolean;
  /** The public key that verifies commands, on processors that sign them. */
  readonly jwks?: object;
}

/** /metrics for Prometheus, /healthz (alive), /readyz (in the group), and the key that signs commands. */
export function startHttpServer(endpoints: HttpEndpoints, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
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
      case '/healthz':
        return send(200, 'ok\n');
      case '/readyz':
        return endpoints.ready() ? send(200, 'ready\n') : send(503, 'not ready\n');
      case '/.well-known/jwks.json':
        if (endpoints.jwks) return send(200, JSON.stringify(endpoints.jwks), 'application/jwk-set+json');
        return send(404, 'not found\n');
      default:
        return send(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
