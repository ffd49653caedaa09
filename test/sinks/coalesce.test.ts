import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesce } from '../../src/sinks/coalesce.ts';

test('items arriving while a call is in flight go together into the next call, results in order', async () => {
  const calls: number[][] = [];
  let release = () => {};
  const double = coalesce(async (items: readonly number[]) => {
    calls.push([...items]);
    if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
    return items.map((item) => item * 2);
  });
  const first = double(1);
  const rest = [double(2), double(3), double(4)];
  release();
  assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8]);
  assert.deepEqual(calls, [[1], [2, 3, 4]]);
});

test('a failed call fails each of its items and none of the next call', async () => {
  const calls: string[][] = [];
  const write = coalesce(async (items: readonly string[]) => {
    calls.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (items.includes('a')) throw new Error('bulk refused');
    return items.map(() => 'ok');
  });
  const first = write('x');
  const failing = [write('a'), write('b')];
  await first;
  const later = write('c');
  const results = await Promise.allSettled([...failing, later]);
  assert.deepEqual(
    results.map((result) =>
      result.status === 'fulfilled' ? result.value : (result.reason as Error).message,
    ),
    ['bulk refused', 'bulk refused', 'ok'],
  );
  assert.deepEqual(calls, [['x'], ['a', 'b'], ['c']]);
});
