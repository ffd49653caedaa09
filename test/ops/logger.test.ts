import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/ops/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

test('a logged error that quotes a URL with credentials shows it masked, causes included', () => {
  const { lines, logger } = capture();
  const cause = new Error(
    'Request cannot be constructed from a URL that includes credentials: http://u:hunter2@am:9093/',
  );
  logger.warn({ err: new Error('alertmanager unavailable', { cause }) }, 'retrying');
  const err = lines[0]!.err as { message: string; stack: string };
  assert.equal(
    err.message,
    'alertmanager unavailable: Request cannot be constructed from a URL that includes credentials: http://[redacted]@am:9093/',
  );
  assert.ok(!err.stack.includes('hunter2'));
});

test('an error logged as its message alone is masked too', () => {
  const { lines, logger } = capture();
  logger.warn({ err: 'connect to redis://:hunter2@redis:6379 refused' }, 'Redis unavailable');
  assert.equal(lines[0]!.err, 'connect to redis://[redacted]@redis:6379 refused');
});
