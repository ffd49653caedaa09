import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { classifyFailure } from '../../src/pipeline/errors.ts';

const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

test('a dependency away, busy or failing over is transient: the batch waits and retries', () => {
  const transient = [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    replyError('CLUSTERDOWN The cluster is down'),
    replyError('READONLY You cannot write against a read only replica.'),
    replyError('LOADING Redis is loading the dataset in memory'),
    replyError('MOVED 12490 127.0.0.1:18004'),
    new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
    new Error('STATE_FORGOTTEN the state was dropped while it was read'),
    new KafkaJSConnectionError('Connection timeout'),
    new KafkaJSNonRetriableError(
      'Transaction state exception: Cannot call "beginTransaction" in state "COMMITTING"',
    ),
  ];
  assert.deepEqual(
    transient.map((error) => classifyFailure(error)),
    [
      { code: 'redis_unavailable', transient: true },
      { code: 'redis_busy', transient: true },
      { code: 'redis_busy', transient: true },
      { code: 'redis_busy', transient: true },
      { code: 'redis_busy', transient: true },
      { code: 'redis_unavailable', transient: true },
      { code: 'state_conflict', transient: true },
      { code: 'kafka_unavailable', transient: true },
      { code: 'kafka_unavailable', transient: true },
    ],
  );
});

test('what fails the same way again is permanent: the batch is split to isolate it', () => {
  const tooLarge = new KafkaJSProtocolError(
    Object.assign(
      new Error('The request included a message larger than the max message size the server will accept'),
      {
        type: 'MESSAGE_TOO_LARGE',
      },
    ),
  );
  assert.deepEqual(
    [
      classifyFailure(tooLarge),
      classifyFailure(replyError('ERR Error running script (call to f_1234): user_script:1: bad argument')),
      classifyFailure(new TypeError("Cannot read properties of undefined (reading 'kind')")),
    ],
    [
      { code: 'kafka_rejected', transient: false },
      { code: 'redis_rejected', transient: false },
      { code: 'internal', transient: false },
    ],
  );
});
