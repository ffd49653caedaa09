import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyUserOp, newUserRecord } from '../../src/state/user-state.ts';
import { LIMITS } from './conformance.ts';

const T = Date.parse('2026-03-01T09:00:00Z');

test("one user's 20,000 one-record exports in ten minutes keep their state under 2 KB and add up exactly", () => {
  const record = newUserRecord();
  let last: ReturnType<typeof applyUserOp> | undefined;
  for (let i = 0; i < 20_000; i++)
    last = applyUserOp(
      record,
      { kind: 'access', user: 'u', eventKey: `k${i}`, atMs: T + i * 30, records: 1 },
      LIMITS,
    );
  assert.equal(last?.kind === 'access' && last.windowRecords, 20_000);
  assert.ok(JSON.stringify(record).length < 2048, `${JSON.stringify(record).length} bytes`);
});

test('counts round-trip exactly at the largest records an export may carry', () => {
  const record = newUserRecord();
  for (let i = 0; i < 1000; i++)
    applyUserOp(
      record,
      { kind: 'access', user: 'u', eventKey: `k${i}`, atMs: T + i, records: 1_000_000_000 },
      LIMITS,
    );
  const copy = JSON.parse(JSON.stringify(record)) as typeof record;
  const view = applyUserOp(
    copy,
    { kind: 'access', user: 'u', eventKey: 'last', atMs: T + 1000, records: 1 },
    LIMITS,
  );
  assert.equal(view.kind === 'access' && view.windowRecords, 1_000_000_000_001);
});
