import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '../../src/events/index.ts';

const login = {
  event_id: 'e1',
  occurred_at: '2026-03-01T09:00:00+01:00',
  type: 'login_success',
  user_id: 'alice',
  ip: '2001:db8::1',
};
const exportEvent = {
  event_id: 'e2',
  occurred_at: '2026-03-01T09:05:00Z',
  action: 'export',
  resource: 'crm/contacts',
  records: 1200,
  user_id: 'alice',
  ip: '81.2.69.160',
};

test('an auth event with an IPv6 address and a zone offset is accepted', () => {
  const result = parseEvent(JSON.stringify(login));
  assert.deepEqual(result, { ok: true, event: { ...login, kind: 'auth' } });
});

test('the kind comes from "action" when no topic says it', () => {
  const result = parseEvent(JSON.stringify(exportEvent));
  assert.equal(result.ok && result.event.kind, 'access');
});

test('malformed JSON is a rejection, not an exception', () => {
  const result = parseEvent('{"event_id": ');
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.reason : '', /^malformed JSON: /);
});

test('every invalid field is named with what is wrong', () => {
  const result = parseEvent(
    JSON.stringify({ ...exportEvent, occurred_at: '2026-03-01', ip: '300.1.1.1', records: 1.5 }),
  );
  assert.deepEqual(result, {
    ok: false,
    code: 'invalid',
    reason:
      'occurred_at: expected an ISO 8601 date-time with a zone; ip: expected an IPv4 or IPv6 address; records: Invalid input: expected int, received number',
  });
});

test('a missing required field is named', () => {
  const { user_id: _, ...rest } = login;
  assert.deepEqual(parseEvent(JSON.stringify(rest)), {
    ok: false,
    code: 'invalid',
    reason: 'user_id: Invalid input: expected string, received undefined',
  });
});

test('the topic decides the kind: an access event on the auth topic is rejected', () => {
  const result = parseEvent(JSON.stringify(exportEvent), 'auth');
  assert.deepEqual(result, {
    ok: false,
    code: 'invalid',
    reason:
      'type: Invalid option: expected one of "login_success"|"login_failure"|"mfa_success"|"mfa_failure"|"token_refresh"|"logout"',
  });
});

test('an object with neither type nor action is rejected with the reason', () => {
  assert.deepEqual(parseEvent('{"event_id":"x"}'), {
    ok: false,
    code: 'invalid',
    reason: 'kind: neither "type" (auth event) nor "action" (access event) is present',
  });
  assert.deepEqual(parseEvent('[1]'), { ok: false, code: 'malformed', reason: 'expected a JSON object' });
});

test('records and bytes are bounded to what one export can be, so every sum stays exact', () => {
  const result = parseEvent(JSON.stringify({ ...exportEvent, records: 1e14, bytes: 2e15 }));
  assert.deepEqual(result, {
    ok: false,
    code: 'invalid',
    reason:
      'records: Too big: expected number to be <=1000000000; bytes: Too big: expected number to be <=1000000000000000',
  });
  assert.equal(parseEvent(JSON.stringify({ ...exportEvent, records: 1e9, bytes: 1e15 })).ok, true);
});
