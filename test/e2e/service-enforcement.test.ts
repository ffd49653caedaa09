import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createEmitter,
  createEnforcer,
  SESSION_REVOKED,
  type Command,
  type Enforcer,
} from '../../packages/client/src/index.ts';
import { Kafka, logLevel } from 'kafkajs';
import { signSecurityEvent } from '../../src/sinks/commands/security-event.ts';
import { generateSigningKey, loadSigningKey } from '../../src/sinks/commands/signing.ts';
import { decisionOf, travelSignal } from '../sinks/fixtures.ts';
import { KAFKA_BROKERS } from '../harness/endpoints.ts';
import { deployment, freePort, runVigil, startVigil, waitReady } from '../harness/vigil-process.ts';
import { startServiceApp } from './service-app.ts';

const LONDON = '80.47.7.180';
const SAO_PAULO = '177.148.157.16';
const DAY_MS = 86_400_000;

async function until(what: string, check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** A Vigil deployment on the local stack, with an emitter for its input topics. */
async function vigilDeployment(t: TestContext, extraEnv: Record<string, string> = {}) {
  const { name, env: base } = deployment();
  const env = { ...base, ...extraEnv };
  await runVigil(env, ['setup']);
  const vigil = await startVigil(t, env);
  await waitReady(vigil);
  const emitter = createEmitter({
    brokers: KAFKA_BROKERS,
    topics: { auth: env.VIGIL_TOPIC_AUTH!, access: env.VIGIL_TOPIC_ACCESS! },
  });
  t.after(() => emitter.close());
  const verification = {
    issuer: env.VIGIL_COMMAND_ISSUER!,
    audience: env.VIGIL_COMMAND_AUDIENCE!,
    jwksUrl: `http://127.0.0.1:${vigil.port}/.well-known/jwks.json`,
  };
  return { name, env, vigil, emitter, verification };
}

/** Ten days of Dave signing in from London on his laptop: past Vigil's learning period. */
async function londonHistory(emitter: ReturnType<typeof createEmitter>) {
  const now = Date.now();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      emitter.signedIn({
        user_id: 'dave',
        ip: LONDON,
        device_id: 'dave-laptop',
        session_id: `s-history-${i}`,
        occurred_at: new Date(now - (10 - i) * DAY_MS).toISOString(),
      }),
    ),
  );
}

/** The attack, through the service, and the time from its sign-in event to the revocation in force. */
async function attack(
  t: TestContext,
  app: Awaited<ReturnType<typeof startServiceApp>>,
  enforcer: Enforcer,
  path: string,
) {
  const daveSession = await app.login('dave', 'dave-laptop', LONDON);
  assert.equal((await app.read(daveSession, LONDON)).status, 200);
  let revokedAt: number | undefined;
  let revocation: Command | undefined;
  const stop = enforcer.onEnforced((command) => {
    if (command.kind === 'revoke' && command.userId === 'dave') {
      revokedAt = performance.now();
      revocation = command;
    }
  });
  t.after(stop);
  const attackerSession = await app.login('dave', 'unknown-android', SAO_PAULO);
  await until('the revocation enforced', () => revokedAt !== undefined);
  const latencyMs = revokedAt! - app.signInSentAt.get(attackerSession)!;
  console.log(
    `# ${path}: attack sign-in event → session revoked at the service in ${latencyMs.toFixed(1)} ms`,
  );

  const next = await app.read(attackerSession, SAO_PAULO);
  assert.equal(next.status, 401, "the attacker's next request");
  assert.equal(((await next.json()) as { error: string }).error, 'session_revoked');
  assert.equal(
    (await app.read(daveSession, LONDON)).status,
    401,
    'a revocation ends every session of the user',
  );
  assert.ok(revocation && revocation.kind === 'revoke' && SESSION_REVOKED in revocation.claims.events);
  const reason = Object.values(revocation.claims.events)[0]!.reason_admin as { en: string };
  assert.match(reason.en, /impossible_travel: London, GB → São Paulo, BR/);
  assert.equal(revocation.sessionId, undefined);
  // Dave signs in again afterwards, from London: a session that began after the revocation.
  await sleep(1000);
  const fresh = await app.login('dave', 'dave-laptop', LONDON);
  assert.equal((await app.read(fresh, LONDON)).status, 200);
  return latencyMs;
}

test('e2e over Kafka: London, then São Paulo on a new device; the attacker gets 401, and a restart remembers', async (t) => {
  const { name, env, emitter, verification } = await vigilDeployment(t);
  const kafka = { brokers: KAFKA_BROKERS, topic: env.VIGIL_TOPIC_COMMANDS!, groupPrefix: name };
  const enforcer = createEnforcer({ ...verification, kafka: { ...kafka, instanceId: 'app-1' } });
  t.after(() => enforcer.stop());
  await enforcer.start();
  const app = await startServiceApp(t, emitter, enforcer);
  // Whoever can write to the commands topic without Vigil's key: forged, misaddressed and replayed
  // revocations of Erin. Vigil's own key signs the misaddressed one and the replayed one.
  const vigilKey = loadSigningKey(env.VIGIL_SIGNING_KEY!, env.VIGIL_SIGNING_KEY_ID!, 'Ed25519');
  const erin = decisionOf({ action: 'revoke_sessions', risk: 0.9, signals: [travelSignal], user_id: 'erin' });
  const settings = { issuer: env.VIGIL_COMMAND_ISSUER!, audience: [env.VIGIL_COMMAND_AUDIENCE!] };
  const genuine = signSecurityEvent({ ...erin, id: 'd-erin-1' }, settings, vigilKey);
  const hostile = [
    signSecurityEvent({ ...erin, id: 'd-forged' }, settings, generateSigningKey(vigilKey.keyId)),
    signSecurityEvent({ ...erin, id: 'd-elsewhere' }, { ...settings, audience: ['payroll'] }, vigilKey),
    signSecurityEvent({ ...erin, id: 'd-unknown-key' }, settings, generateSigningKey('not-vigils')),
    genuine,
  ];
  const producer = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({
    topic: env.VIGIL_TOPIC_COMMANDS!,
    messages: [genuine, ...hostile].map((value) => ({ key: 'erin', value })),
  });
  await producer.disconnect();
  await until('five commands judged', () => {
    const { enforced, rejected } = enforcer.stats();
    return enforced.revoke + Object.values(rejected).reduce((a, b) => a + b, 0) === 5;
  });
  assert.deepEqual(
    Object.entries(enforcer.stats().rejected).filter(([, count]) => count > 0),
    [
      ['unknown_key', 1],
      ['bad_signature', 1],
      ['wrong_audience', 1],
      ['replayed', 1],
    ],
  );
  assert.equal(enforcer.stats().enforced.revoke, 1, 'only the genuine command of Erin');

  await londonHistory(emitter);
  await attack(t, app, enforcer, 'Kafka');
  assert.equal(enforcer.stats().enforced.revoke, 2);

  // Dave's own sign-in after the attack may add a revocation of its own (his risk adds up): wait until
  // the first instance has seen the last command.
  let known = -1;
  while (known !== enforcer.stats().enforced.revoke) {
    known = enforcer.stats().enforced.revoke;
    await sleep(1500);
  }
  assert.ok(known >= 2);
  // Another instance, or this one restarted with empty memory: it reads the last day again on start,
  // and is ready only once that read is done: every revocation is in force at once, without waiting.
  const restarted = createEnforcer({ ...verification, kafka: { ...kafka, instanceId: 'app-2' } });
  t.after(() => restarted.stop());
  await restarted.start();
  assert.equal(restarted.ready, true);
  assert.equal(restarted.isSessionRevoked('any', 'dave', Date.now() - DAY_MS), true);
  assert.equal(restarted.isSessionRevoked('any', 'erin', Date.now() - DAY_MS), true);
  assert.equal(restarted.stats().enforced.revoke, known);
});

const RECEIVER_TOKEN = 'records-service-0123456789abcdef';
const OTHER_TOKEN = 'another-service-0123456789abcdef';

test('e2e over SSF push: Vigil pushes the revocation to the service, verification included', async (t) => {
  const { emitter, verification, vigil } = await vigilDeployment(t, {
    VIGIL_SSF_BEARER_TOKENS: `${RECEIVER_TOKEN},${OTHER_TOKEN}`,
  });
  const ops = `http://127.0.0.1:${vigil.port}`;
  const port = await freePort();
  const enforcer = createEnforcer({
    ...verification,
    ssf: {
      bearerToken: RECEIVER_TOKEN,
      transmitterUrl: ops,
      delivery: {
        method: 'push',
        endpointUrl: `http://127.0.0.1:${port}/ssf/events`,
        authorization: 'Bearer push-secret-of-the-records-service',
      },
    },
  });
  t.after(() => enforcer.stop());
  const app = await startServiceApp(t, emitter, enforcer, port);
  await enforcer.start();
  const stream = enforcer.ssf!.stream!;
  assert.equal(stream.delivery.method, 'urn:ietf:rfc:8935');

  // The management API: no token, a wrong token, or another receiver's token get nothing.
  const streamUrl = `${ops}/ssf/streams?stream_id=${stream.stream_id}`;
  assert.equal((await fetch(streamUrl)).status, 401);
  assert.equal(
    (await fetch(streamUrl, { headers: { authorization: 'Bearer guessed-0123456789abcdef' } })).status,
    401,
  );
  assert.equal((await fetch(streamUrl, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } })).status, 404);
  const own = await fetch(streamUrl, { headers: { authorization: `Bearer ${RECEIVER_TOKEN}` } });
  assert.equal(own.status, 200);
  assert.equal(((await own.json()) as { aud: string }).aud, verification.audience);

  await enforcer.ssf!.requestVerification('push-check');
  await until('the verification event received', () => enforcer.stats().verifications === 1);

  await londonHistory(emitter);
  await attack(t, app, enforcer, 'SSF push');
  assert.equal(
    Object.values(enforcer.stats().rejected).reduce((a, b) => a + b, 0),
    0,
  );
});

test('e2e over SSF poll: the service polls Vigil, and the attacker gets 401', async (t) => {
  const { emitter, verification, vigil } = await vigilDeployment(t, {
    VIGIL_SSF_BEARER_TOKENS: RECEIVER_TOKEN,
  });
  const ops = `http://127.0.0.1:${vigil.port}`;
  const enforcer = createEnforcer({
    ...verification,
    ssf: { bearerToken: RECEIVER_TOKEN, transmitterUrl: ops, delivery: { method: 'poll' } },
  });
  t.after(() => enforcer.stop());
  const app = await startServiceApp(t, emitter, enforcer);
  await enforcer.start();
  const { stream } = enforcer.ssf!;
  assert.equal(stream!.delivery.method, 'urn:ietf:rfc:8936');
  const status = await fetch(`${ops}/ssf/status?stream_id=${stream!.stream_id}`, {
    headers: { authorization: `Bearer ${RECEIVER_TOKEN}` },
  });
  assert.deepEqual(await status.json(), { stream_id: stream!.stream_id, status: 'enabled' });
  await enforcer.ssf!.requestVerification('poll-check');
  await until('the verification event polled', () => enforcer.stats().verifications === 1);

  await londonHistory(emitter);
  await attack(t, app, enforcer, 'SSF poll');
  assert.equal(
    Object.values(enforcer.stats().rejected).reduce((a, b) => a + b, 0),
    0,
  );
});
