import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PUSH_DELIVERY } from '../../../src/sinks/ssf/streams.ts';
import { decisionOf, travelSignal } from '../../sinks/fixtures.ts';
import { call, RECEIVER_TOKEN, serve, ssfDeployment } from './helpers.ts';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A push endpoint that answers with `status()` and records each token it is sent, with when. */
async function receiver(t: Parameters<typeof ssfDeployment>[0], status: () => number) {
  const received: { token: string; atMs: number; status: number }[] = [];
  const url = await serve(t, (request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const answer = status();
      received.push({ token: body, atMs: Date.now(), status: answer });
      response.writeHead(answer).end();
    });
  });
  return { url: `${url}/ssf/events`, received };
}

const revocationOf = (user: string) =>
  decisionOf({
    action: 'revoke_sessions',
    risk: 0.9,
    signals: [travelSignal],
    user_id: user,
    id: `d-${user}`,
  });

test('a push that fails survives a restart of the transmitter, which delivers it with back-off', async (t) => {
  const vigil = await ssfDeployment(t, { VIGIL_SSF_PUSH_MAX_ATTEMPTS: '20' });
  let answer = 503;
  const service = await receiver(t, () => answer);
  const first = await vigil.start();
  const created = await call(first.api, 'POST', '/ssf/streams', RECEIVER_TOKEN, {
    delivery: { method: PUSH_DELIVERY, endpoint_url: service.url },
  });
  assert.equal(created.status, 201);
  const streamId = created.body!.stream_id as string;
  const series = (outcome: string) => `vigil_ssf_pushes_total{stream="${streamId}",outcome="${outcome}"}`;
  assert.equal(await first.metric(series('retried')), 0, 'zero from the stream’s creation');

  const token = vigil.sign(revocationOf('dave'));
  await first.transmitter.fanOut(token);
  await until('three failed attempts', () => service.received.length >= 3);
  await first.stop();
  const failed = service.received.length;
  assert.equal(await first.metric(series('retried')), failed);
  assert.equal(await first.metric(series('delivered')), 0);
  assert.equal(await vigil.streams.pendingPushes(streamId), 1, 'the token waits in Redis');
  // Back-off: each wait at least half of 250 ms doubled per attempt (jitter takes up to half).
  const gaps = service.received.slice(1).map((push, i) => push.atMs - service.received[i]!.atMs);
  gaps.forEach((gapMs, i) => assert.ok(gapMs >= 125 * 2 ** i - 20, `wait ${i + 1}: ${gapMs} ms`));

  // Vigil restarts; the service is back.
  answer = 202;
  await sleep(300);
  assert.equal(service.received.length, failed, 'nothing is pushed while no transmitter runs');
  const second = await vigil.start();
  await until('the token delivered', () => service.received.some((push) => push.status === 202));
  const delivered = service.received.filter((push) => push.status === 202);
  assert.deepEqual(
    delivered.map((push) => push.token),
    [token],
    'the same token, once',
  );
  await until('the queue emptied', async () => (await vigil.streams.pendingPushes(streamId)) === 0);
  assert.equal(await second.metric(series('delivered')), 1);
  assert.equal(await second.metric(series('retried')), 0, 'this process retried nothing, it resumed');
  await sleep(600);
  assert.equal(service.received.filter((push) => push.status === 202).length, 1, 'delivered once');
});

test('the attempts made before a restart count: the last allowed one after it gives up', async (t) => {
  const vigil = await ssfDeployment(t, { VIGIL_SSF_PUSH_MAX_ATTEMPTS: '3' });
  const service = await receiver(t, () => 500);
  const first = await vigil.start();
  const { body } = await call(first.api, 'POST', '/ssf/streams', RECEIVER_TOKEN, {
    delivery: { method: PUSH_DELIVERY, endpoint_url: service.url },
  });
  const streamId = body!.stream_id as string;
  await first.transmitter.fanOut(vigil.sign(revocationOf('erin')));
  await until('two failed attempts', () => service.received.length === 2);
  await first.stop();
  assert.equal(await vigil.streams.pendingPushes(streamId), 1);

  const second = await vigil.start();
  await until('the third attempt', () => service.received.length === 3);
  await until('the token dropped', async () => (await vigil.streams.pendingPushes(streamId)) === 0);
  assert.equal(await second.metric(`vigil_ssf_pushes_total{stream="${streamId}",outcome="given_up"}`), 1);
  await sleep(1500);
  assert.equal(service.received.length, 3, 'no fourth attempt');
});

test('a refused push (400) is final; a paused stream holds its pushes until enabled', async (t) => {
  const vigil = await ssfDeployment(t);
  let answer = 400;
  const service = await receiver(t, () => answer);
  const transmitter = await vigil.start();
  const { body } = await call(transmitter.api, 'POST', '/ssf/streams', RECEIVER_TOKEN, {
    delivery: { method: PUSH_DELIVERY, endpoint_url: service.url },
  });
  const streamId = body!.stream_id as string;
  await transmitter.transmitter.fanOut(vigil.sign(revocationOf('frank')));
  await until('the refusal', () => service.received.length === 1);
  await until('the token dropped', async () => (await vigil.streams.pendingPushes(streamId)) === 0);
  assert.equal(await transmitter.metric(`vigil_ssf_pushes_total{stream="${streamId}",outcome="refused"}`), 1);

  answer = 202;
  const paused = await call(transmitter.api, 'POST', '/ssf/status', RECEIVER_TOKEN, {
    stream_id: streamId,
    status: 'paused',
  });
  assert.equal(paused.status, 200);
  await transmitter.transmitter.fanOut(vigil.sign(revocationOf('grace')));
  await sleep(600);
  assert.equal(service.received.length, 1, 'held while paused');
  assert.equal(await vigil.streams.pendingPushes(streamId), 1);
  await call(transmitter.api, 'POST', '/ssf/status', RECEIVER_TOKEN, {
    stream_id: streamId,
    status: 'enabled',
  });
  await until('delivered once enabled', () => service.received.length === 2);
  assert.equal(service.received[1]!.status, 202);
  assert.equal(
    await transmitter.metric(`vigil_ssf_events_queued_total{stream="${streamId}",method="push"}`),
    2,
  );
});
