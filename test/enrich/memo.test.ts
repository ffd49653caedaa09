import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoize } from '../../src/enrich/memo.ts';

test('memoize computes each key once, starts over when full, and forgets on clear', () => {
  const computed: string[] = [];
  const lengths = memoize((key: string) => {
    computed.push(key);
    return key.length;
  }, 2);
  assert.equal(lengths.get('a'), 1);
  assert.equal(lengths.get('bb'), 2);
  assert.equal(lengths.get('a'), 1);
  assert.deepEqual(computed, ['a', 'bb']);
  lengths.get('ccc'); // full: starts over with this one
  lengths.get('a');
  assert.deepEqual(computed, ['a', 'bb', 'ccc', 'a']);
  lengths.clear();
  lengths.get('a');
  assert.deepEqual(computed, ['a', 'bb', 'ccc', 'a', 'a']);
});
