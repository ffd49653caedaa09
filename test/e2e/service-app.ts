import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import express, { type Request } from 'express';
import {
  accessEvents,
  enforceSessions,
  type Emitter,
  type Enforcer,
  type Identity,
} from '../../packages/client/src/index.ts';

interface Session extends Identity {
  readonly sessionId: string;
  readonly sessionStartedAt: number;
}

/**
 * A service as its owners would write it with the client: sign-in reports its outcome, every request
 * of a session passes the enforcer and is reported as an access event. The addresses come from
 * X-Forwarded-For, as behind a load balancer, so a test can sign in from London and from São Paulo.
 */
export async function startServiceApp(t: TestContext, emitter: Emitter, enforcer: Enforcer, port = 0) {
  const sessions = new Map<string, Session>();
  /** When each sign-in's event was handed to the emitter, by session. */
  const signInSentAt = new Map<string, number>();
  const identify = (request: Pick<Request, 'headers'>) => {
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    return token ? sessions.get(token) : undefined;
  };
  const app = express();
  app.set('trust proxy', true);
  // Where an SSF transmitter pushes commands (RFC 8935), before any body parser reads the body.
  app.post('/ssf/events', enforcer.pushHandler());
  app.use(express.json());
  app.post('/login', async (request, response) => {
    const { user, device } = request.body as { user: string; device: string };
    const session: Session = {
      userId: user,
      sessionId: randomUUID(),
      deviceId: device,
      sessionStartedAt: Date.now(),
    };
    sessions.set(session.sessionId, session);
    signInSentAt.set(session.sessionId, performance.now());
    await emitter.signedIn({
      user_id: user,
      ip: request.ip!,
      session_id: session.sessionId,
      device_id: device,
      service: 'records',
    });
    response.json({ session: session.sessionId });
  });
  app.use(enforceSessions(enforcer, { identify }));
  app.use(accessEvents(emitter, { identify }));
  app.get('/records/:id', (_request, response) => {
    response.locals.vigilRecords = 1;
    response.json({ id: 'r-1' });
  });
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    base,
    signInSentAt,
    async login(user: string, device: string, from: string): Promise<string> {
      const response = await fetch(`${base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ user, device }),
      });
      return ((await response.json()) as { session: string }).session;
    },
    read: (session: string, from: string) =>
      fetch(`${base}/records/1234`, {
        headers: { authorization: `Bearer ${session}`, 'x-forwarded-for': from },
      }),
  };
}
