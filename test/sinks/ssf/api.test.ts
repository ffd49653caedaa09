import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POLL_DELIVERY } from '../../../src/sinks/ssf/streams.ts';
import { ssfEndpoints } from '../../../src/sinks/ssf/index.ts';
import { decisionOf, travelSignal } from '../../sinks/fixtures.ts';
import { call, ISSUER, OTHER_TOKEN, RECEIVER_TOKEN, ssfDeployment } from './helpers.ts';

const dave = { format: 'opaque', id: 'dave' };
const erin = { format: 'opaque', id: 'erin' };

const commandOf = (action: 'revoke_sessions' | 'step_up', user: string, session?: string) =>
  decisionOf({
    action,
    risk: 0.9,
    signals: [travelSignal],
    user_id: user,
    id: `d-${action}-${user}-${session ?? 'all'}`,
    ...(session && { session_id: session }),
  });

test('the configuration document names the subject endpoints', () => {
  const endpoints = ssfEndpoints(ISSUER);
  assert.equal(endpoints.add_subject_endpoint, 'https://vigil.example.com/ssf/subjects/add');
  assert.equal(endpoints.remove_subject_endpoint, 'https://vigil.example.com/ssf/subjects/remove');
});

test('subjects: a stream with subjects gets events about them alone; only its receiver may change them', async (t) => {
  const vigil = await ssfDeployment(t);
  const transmitter = await vigil.start();
  const { api } = transmitter;
  const created = await call(api, 'POST', '/ssf/streams', RECEIVER_TOKEN, {
    delivery: { method: POLL_DELIVERY },
  });
  const streamId = created.body!.stream_id as string;
  const poll = async () => {
    const { body } = await call(api, 'POST', `/ssf/poll/${streamId}`, RECEIVER_TOKEN, {
      returnImmediately: true,
    });
    const sets = Object.keys(body!.sets as Record<string, string>).sort();
    await call(api, 'POST', `/ssf/poll/${streamId}`, RECEIVER_TOKEN, { ack: sets, maxEvents: 0 });
    return sets;
  };
  const polls = async () =>
    (await transmitter.metric(`vigil_ssf_poll_requests_total{stream="${streamId}"}`))!;
  assert.equal(await polls(), 0);

  // Without subjects: every user's events.
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('revoke_sessions', 'erin')));
  assert.deepEqual(await poll(), ['d-revoke_sessions-erin-all']);
  assert.equal(await polls(), 2);

  // The bearer token is required, and a receiver changes only its own streams.
  const add = { stream_id: streamId, subject: dave };
  assert.equal((await call(api, 'POST', '/ssf/subjects/add', undefined, add)).status, 401);
  assert.equal((await call(api, 'POST', '/ssf/subjects/add', 'guessed-0123456789abcdef', add)).status, 401);
  assert.equal((await call(api, 'POST', '/ssf/subjects/add', OTHER_TOKEN, add)).status, 404);
  assert.equal((await call(api, 'POST', '/ssf/subjects/remove', undefined, add)).status, 401);
  assert.equal((await call(api, 'POST', '/ssf/subjects/remove', OTHER_TOKEN, add)).status, 404);
  assert.deepEqual(await vigil.streams.subjects(streamId), undefined, 'refused requests change nothing');
  const malformed = await call(api, 'POST', '/ssf/subjects/add', RECEIVER_TOKEN, {
    stream_id: streamId,
    subject: { id: 'dave' },
  });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body!.err, 'invalid_request');

  const added = await call(api, 'POST', '/ssf/subjects/add', RECEIVER_TOKEN, add);
  assert.deepEqual(added, { status: 200, body: undefined });
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('revoke_sessions', 'dave')));
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('step_up', 'dave', 's-1')));
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('revoke_sessions', 'frank')));
  assert.deepEqual(await poll(), ['d-revoke_sessions-dave-all', 'd-step_up-dave-s-1']);

  // Removing Dave leaves a stream with no subjects: nothing about anyone, not every user again.
  assert.equal((await call(api, 'POST', '/ssf/subjects/remove', RECEIVER_TOKEN, add)).status, 204);
  assert.equal((await call(api, 'POST', '/ssf/subjects/remove', RECEIVER_TOKEN, add)).status, 404);
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('revoke_sessions', 'grace')));
  assert.deepEqual(await poll(), []);

  // A complex subject, members in any order, covers the events naming its members.
  await call(api, 'POST', '/ssf/subjects/add', RECEIVER_TOKEN, {
    stream_id: streamId,
    subject: { user: erin, format: 'complex' },
    verified: true,
  });
  await transmitter.transmitter.fanOut(vigil.sign(commandOf('step_up', 'erin', 's-9')));
  assert.deepEqual(await poll(), ['d-step_up-erin-s-9']);
  assert.deepEqual(await vigil.streams.subjects(streamId), [{ format: 'complex', user: erin }]);

  // Verification events are about the stream, never filtered out.
  const verify = await call(api, 'POST', '/ssf/verify', RECEIVER_TOKEN, { stream_id: streamId, state: 'x' });
  assert.equal(verify.status, 204);
  assert.equal((await poll()).length, 1);
  assert.equal(await transmitter.metric(`vigil_ssf_verification_events_total{stream="${streamId}"}`), 1);
  assert.equal(
    await transmitter.metric(`vigil_ssf_events_queued_total{stream="${streamId}",method="poll"}`),
    5,
  );

  // Deleting the stream deletes its subjects.
  assert.equal((await call(api, 'DELETE', `/ssf/streams?stream_id=${streamId}`, RECEIVER_TOKEN)).status, 204);
  assert.equal(await vigil.streams.subjects(streamId), undefined);
  assert.equal(await transmitter.metric(`vigil_ssf_poll_requests_total{stream="${streamId}"}`), undefined);
});
