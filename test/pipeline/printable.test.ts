import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable } from '../../src/pipeline/printable.ts';

test('terminal escapes, line breaks and bidirectional overrides are written as \\u escapes', () => {
  assert.equal(printable('eve\u001b]0;owned\u0007'), 'eve\\u001b]0;owned\\u0007');
  assert.equal(printable('a\nb\rc\td\u007f\u009b'), 'a\\u000ab\\u000dc\\u0009d\\u007f\\u009b');
  assert.equal(printable('admin\u202Etxt.exe'), 'admin\\u202etxt.exe');
  assert.equal(printable('São Paulo → 東京 🙂'), 'São Paulo → 東京 🙂');
});
