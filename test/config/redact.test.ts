import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  basicAuthOf,
  redactConfig,
  redactSecrets,
  redactStrings,
  withoutSecrets,
} from '../../src/config/redact.ts';
import { loadConfig } from '../../src/config/index.ts';

test('a URL keeps its host and path but not its user:password or credential-like parameters', () => {
  assert.equal(
    redactSecrets('https://ops:hunter2@am.example:9093/x'),
    'https://[redacted]@am.example:9093/x',
  );
  assert.equal(redactSecrets('redis://:p@ss@redis:6379'), 'redis://[redacted]@redis:6379');
  assert.equal(
    redactSecrets('https://kibana.example/?space=ops&password=hunter2&api_key=k1&Token=t1&secret=s1&sig=x'),
    'https://kibana.example/?space=ops&password=[redacted]&api_key=[redacted]&Token=[redacted]&secret=[redacted]&sig=[redacted]',
  );
  assert.equal(
    redactSecrets('https://idp.example/cb#access_token=abc&state=1'),
    'https://idp.example/cb#access_token=[redacted]&state=1',
  );
  assert.equal(redactSecrets('http://am.example:9093/?cluster=eu'), 'http://am.example:9093/?cluster=eu');
});

test('a URL inside an error message or a quoted value is masked where it stands', () => {
  assert.equal(
    redactSecrets('POST http://u:hunter2@am-0:9093/api/v2/alerts failed; retrying http://am-1:9093'),
    'POST http://[redacted]@am-0:9093/api/v2/alerts failed; retrying http://am-1:9093',
  );
  assert.equal(
    redactSecrets('(got "https://admin:hunter2@kibana example?token=abc")'),
    '(got "https://[redacted]@kibana example?token=[redacted]")',
  );
  assert.equal(redactSecrets('an e-mail: someone@example.com'), 'an e-mail: someone@example.com');
});

test('every string of a serialized error is masked, through cycles and without touching buffers', () => {
  const meta: Record<string, unknown> = {
    url: new URL('https://u:hunter2@es:9200/'),
    body: Buffer.from('x'),
  };
  meta.self = meta;
  const shown = redactStrings({ message: 'at https://u:hunter2@es:9200', meta }) as {
    message: string;
    meta: { url: string; body: unknown; self: unknown };
  };
  assert.equal(shown.message, 'at https://[redacted]@es:9200');
  assert.equal(shown.meta.url, 'https://[redacted]@es:9200/');
  assert.ok(Buffer.isBuffer(shown.meta.body));
  assert.equal(shown.meta.self, meta);
});

test('vigil config and the start-up line show no URL credentials, Kibana and Alertmanager included', () => {
  const config = loadConfig({
    env: {
      VIGIL_ALERTMANAGER_URLS:
        'https://pager:hunter2@am-0.example:9093,https://am-1.example:9093/?token=t0k3n',
      VIGIL_KIBANA_URL: 'https://viewer:s3cret@kibana.example',
      VIGIL_ALERT_WEBHOOK_URL: 'https://hooks.example/T000/B000/XXXX',
      VIGIL_ALERT_WEBHOOK_SECRET: 'sixteen-or-more-chars',
    },
  });
  const { alerting } = redactConfig(config) as { alerting: Record<string, unknown> };
  assert.deepEqual(
    [alerting.alertmanagerUrls, alerting.kibanaUrl, alerting.webhookUrl, alerting.webhookSecret],
    [
      ['https://[redacted]@am-0.example:9093', 'https://am-1.example:9093/?token=[redacted]'],
      'https://[redacted]@kibana.example',
      '[redacted]',
      '[redacted]',
    ],
  );
});

test('a link for people drops credentials and credential-like parameters altogether', () => {
  assert.equal(withoutSecrets('https://viewer:s3cret@kibana.example'), 'https://kibana.example');
  assert.equal(
    withoutSecrets('https://viewer:s3cret@kibana.example/base/?auth_token=abc&space=ops'),
    'https://kibana.example/base/?space=ops',
  );
  assert.equal(withoutSecrets('http://localhost:5601'), 'http://localhost:5601');
});

test("a request URL's user:password becomes a Basic authorization header", () => {
  assert.deepEqual(basicAuthOf('https://pager:p%40ss%3Aword@am.example:9093/'), {
    url: 'https://am.example:9093/',
    authorization: `Basic ${Buffer.from('pager:p@ss:word').toString('base64')}`,
  });
  assert.deepEqual(basicAuthOf('http://am.example:9093'), { url: 'http://am.example:9093' });
});
