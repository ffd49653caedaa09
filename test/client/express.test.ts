import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import express, { type Request } from 'express';
import {
  accessEvents,
  createEnforcer,
  enforceSessions,
  type AccessEventInput,
  type Emitter,
} from '../../packages/client/src/index.ts';
import { AUDIENCE, command, DECIDED_MS, ISSUER, jwks, revocation, stepUp } from './helpers.ts';

/** An emitter that keeps what it is given. */
function recordingEmitter() {
  const sent: AccessEventInput[] = [];
  const emitter = { access: async (event: AccessEventInput) => void sent.push(event) } as unknown as Emitter;
  return { emitter, sent };
}

const identify = (request: Pick<Request, 'headers'>) => {
  const user = request.headers['x-user'];
  const session = request.headers['x-session'];
  return typeof user === 'string' && typeof session === 'string'
    ? { userId: user, sessionId: session }
    : undefined;
};

async function listen(t: TestContext, app: express.Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an access event per request: the route pattern, the action from the method, records from locals', async (t) => {
  const { emitter, sent } = recordingEmitter();
  const app = express();
  app.use(accessEvents(emitter, { identify }));
  const patients = express.Router();
  patients.get('/:id', (_request, response) => {
    response.locals.vigilRecords = 1;
    response.json({ ok: true });
  });
  patients.delete('/:id', (_request, response) => void response.status(204).end());
  app.use('/patients', patients);
  app.post('/exports', (_request, response) => void response.status(202).end());
  const base = await listen(t, app);
  const as = { 'x-user': 'dave', 'x-session': 's-1', 'user-agent': 'curl/8' };
  await fetch(`${base}/patients/1234`, { headers: as });
  await fetch(`${base}/patients/99`, { method: 'DELETE', headers: as });
  await fetch(`${base}/exports`, { method: 'POST', headers: as });
  await fetch(`${base}/nowhere/at/all`, { headers: as });
  await fetch(`${base}/patients/1`); // anonymous
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(
    sent.map(({ action, resource, records, user_id, session_id, ip, user_agent }) => ({
      action,
      resource,
      records,
      user_id,
      session_id,
      ip,
      user_agent,
    })),
    [
      {
        action: 'read',
        resource: '/patients/:id',
        records: 1,
        user_id: 'dave',
        session_id: 's-1',
        ip: '127.0.0.1',
        user_agent: 'curl/8',
      },
      {
        action: 'delete',
        resource: '/patients/:id',
        records: 0,
        user_id: 'dave',
        session_id: 's-1',
        ip: '127.0.0.1',
        user_agent: 'curl/8',
      },
      {
        action: 'write',
        resource: '/exports',
        records: 0,
        user_id: 'dave',
        session_id: 's-1',
        ip: '127.0.0.1',
        user_agent: 'curl/8',
      },
    ],
  );
});

test('a revoked session gets 401 invalid_token; a stepped-up one 401 with an MFA challenge (RFC 9470)', async (t) => {
  const enforcer = createEnforcer({ issuer: ISSUER, audience: AUDIENCE, jwks, now: () => DECIDED_MS + 2000 });
  t.after(() => enforcer.stop());
  const app = express();
  app.use(enforceSessions(enforcer, { identify, acrValues: 'phr' }));
  app.get('/records', (_request, response) => void response.json({ ok: true }));
  const base = await listen(t, app);
  const get = (user: string, session: string) =>
    fetch(`${base}/records`, { headers: { 'x-user': user, 'x-session': session } });

  assert.equal((await get('dave', 's-1')).status, 200);
  await enforcer.receive(command(stepUp({ id: 'd-step', user_id: 'erin', session_id: 's-9' })));
  await enforcer.receive(command(revocation()));

  const revoked = await get('dave', 's-1');
  assert.equal(revoked.status, 401);
  assert.equal(
    revoked.headers.get('www-authenticate'),
    'Bearer error="invalid_token", error_description="session revoked"',
  );
  assert.equal(((await revoked.json()) as { error: string }).error, 'session_revoked');
  const challenged = await get('erin', 's-9');
  assert.equal(challenged.status, 401);
  assert.equal(
    challenged.headers.get('www-authenticate'),
    'Bearer error="insufficient_user_authentication", error_description="multi-factor authentication required", acr_values="phr"',
  );
  assert.equal(((await challenged.json()) as { error: string }).error, 'mfa_required');
  assert.equal((await get('erin', 's-10')).status, 200);
  await enforcer.stepUpSatisfied('erin', 's-9');
  assert.equal((await get('erin', 's-9')).status, 200);
});
