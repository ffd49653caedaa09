import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalSubject, isAbout } from '../../../src/sinks/ssf/subjects.ts';

const dave = { format: 'opaque', id: 'dave' };
const daveSession = { format: 'opaque', id: 's-1' };
/** The `sub_id` of a revocation of all Dave's sessions, and of a step-up of one of them. */
const revocation = { format: 'complex', user: dave };
const stepUp = { format: 'complex', user: dave, session: daveSession };

test('the same subject is one canonical JSON whatever the order of its members', () => {
  assert.equal(
    canonicalSubject({ session: daveSession, format: 'complex', user: { id: 'dave', format: 'opaque' } }),
    '{"format":"complex","session":{"format":"opaque","id":"s-1"},"user":{"format":"opaque","id":"dave"}}',
  );
});

test('a user subject covers the revocation of their sessions and a step-up of one of them', () => {
  assert.equal(isAbout(revocation, dave), true);
  assert.equal(isAbout(stepUp, dave), true);
  assert.equal(isAbout(stepUp, daveSession), true);
  assert.equal(isAbout(revocation, { format: 'opaque', id: 'erin' }), false);
  assert.equal(isAbout(revocation, { format: 'email', email: 'dave@example.com' }), false);
});

test('a complex subject covers the events that name each of its members', () => {
  assert.equal(isAbout(revocation, { format: 'complex', user: dave }), true);
  assert.equal(isAbout(stepUp, { format: 'complex', user: dave }), true);
  assert.equal(isAbout(stepUp, stepUp), true);
  assert.equal(isAbout(revocation, stepUp), false, 'one session of Dave is not all of them');
  assert.equal(
    isAbout(stepUp, { format: 'complex', user: dave, session: { format: 'opaque', id: 's-2' } }),
    false,
  );
  assert.equal(
    isAbout(revocation, { format: 'complex' }),
    false,
    'a complex subject with no member is about nothing',
  );
});
