import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { signingKeyFromConfig } from '../../../src/sinks/commands/key-config.ts';
import { jwkThumbprint, keyThumbprint, resolveKeyId } from '../../../src/sinks/commands/key-id.ts';
import { generateSigningKey } from '../../../src/sinks/commands/signing.ts';

const VIGIL = new URL('../../../src/cli/vigil.ts', import.meta.url).pathname;

// RFC 8037 appendix A.1 (the key) and A.3 (its thumbprint).
const RFC8037_KEY = createPrivateKey({
  key: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
    x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  },
  format: 'jwk',
});
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

test('RFC 7638 §3.1: the example RSA key has thumbprint NzbLsXh8…', () => {
  const jwk = {
    kty: 'RSA',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
    alg: 'RS256',
    kid: '2011-04-29',
  };
  assert.equal(jwkThumbprint(jwk), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
});

test('RFC 8037 A.3: the example Ed25519 key has thumbprint kPrK_qmx…, whatever its kid', () => {
  assert.equal(keyThumbprint(RFC8037_KEY), RFC8037_THUMBPRINT);
  assert.equal(
    jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'x' }),
    RFC8037_THUMBPRINT,
  );
  assert.equal(jwkThumbprint({ kty: 'oct', k: 'AAAA' }), undefined);
});

const jwksOf = (kid: string, x = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo') => ({
  file: '/etc/vigil/jwks.json',
  document: { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }] },
});
const OTHER_X = 'ybQEVThVG4K5D9-JKQ3ijBCzHF5ldYMRFFVIX2e1X-s';

test('the key id: configured, else the JWKS entry of this key, else the thumbprint', () => {
  assert.deepEqual(resolveKeyId(RFC8037_KEY, undefined, undefined), { keyId: RFC8037_THUMBPRINT });
  assert.deepEqual(resolveKeyId(RFC8037_KEY, 'ops-1', undefined), { keyId: 'ops-1' });
  assert.deepEqual(resolveKeyId(RFC8037_KEY, undefined, jwksOf('ops-2')), { keyId: 'ops-2' });
  assert.deepEqual(resolveKeyId(RFC8037_KEY, 'ops-2', jwksOf('ops-2')), { keyId: 'ops-2' });
});

test('a key id the JWKS does not publish, or publishes for another key, is one line naming the setting', () => {
  assert.deepEqual(resolveKeyId(RFC8037_KEY, 'vigil-1', jwksOf('ops-2')), {
    problem:
      'VIGIL_SIGNING_KEY_ID: key id "vigil-1" is not in /etc/vigil/jwks.json (it holds "ops-2"); unset VIGIL_SIGNING_KEY_ID to use the published id',
  });
  assert.deepEqual(resolveKeyId(RFC8037_KEY, 'ops-2', jwksOf('ops-2', OTHER_X)), {
    problem:
      'VIGIL_SIGNING_KEY_ID: key "ops-2" of /etc/vigil/jwks.json is another key than the signing key; receivers would reject every command',
  });
  assert.deepEqual(resolveKeyId(RFC8037_KEY, undefined, jwksOf('ops-2', OTHER_X)), {
    problem:
      'VIGIL_JWKS_FILE: /etc/vigil/jwks.json does not publish the signing key (it holds "ops-2"); publish the JWKS `vigil keygen` wrote with this key',
  });
});

function keygen(t: TestContext): { dir: string; keyFile: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { status, stderr } = spawnSync(process.execPath, [VIGIL, 'keygen', '--out', dir], {
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  assert.equal(status, 0);
  return { dir, keyFile: join(dir, 'signing-key.pem'), stderr };
}

test('keygen names the key by its thumbprint; the key file alone then signs with the published id', (t) => {
  const { dir, keyFile, stderr } = keygen(t);
  const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: { kid: string }[] };
  const kid = jwks.keys[0]!.kid;
  const key = signingKeyFromConfig(loadConfig({ env: { VIGIL_SIGNING_KEY_FILE: keyFile } }).commands);
  assert.equal(key.keyId, kid);
  assert.equal(kid, keyThumbprint(key.privateKey));
  assert.equal(
    stderr,
    `wrote ${keyFile} and jwks.json (key id ${kid}); set VIGIL_SIGNING_KEY_FILE=${keyFile} VIGIL_SIGNING_ALGORITHM=Ed25519\n`,
  );
});

test('an inline key without a JWKS signs with its thumbprint', () => {
  const { pem, privateKey } = generateSigningKey('');
  const key = signingKeyFromConfig(loadConfig({ env: { VIGIL_SIGNING_KEY: pem } }).commands);
  assert.equal(key.keyId, keyThumbprint(privateKey));
});

test('a JWKS file that is not JSON is one line naming VIGIL_JWKS_FILE', (t) => {
  const { dir, keyFile } = keygen(t);
  writeFileSync(join(dir, 'jwks.json'), 'not json');
  assert.throws(
    () => signingKeyFromConfig(loadConfig({ env: { VIGIL_SIGNING_KEY_FILE: keyFile } }).commands),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems[0]!.startsWith(`VIGIL_JWKS_FILE: cannot read ${dir}/jwks.json as JSON: `),
  );
});

test('vigil run with a key id its JWKS does not publish refuses to start, with one line', (t) => {
  const { dir, keyFile } = keygen(t);
  const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8')) as { keys: { kid: string }[] };
  const { status, stdout, stderr } = spawnSync(process.execPath, [VIGIL, 'run'], {
    env: { PATH: process.env.PATH, VIGIL_SIGNING_KEY_FILE: keyFile, VIGIL_SIGNING_KEY_ID: 'vigil-1' },
    encoding: 'utf8',
  });
  assert.deepEqual(
    { status, stdout, stderr },
    {
      status: 78,
      stdout: '',
      stderr: `vigil: configuration error: VIGIL_SIGNING_KEY_ID: key id "vigil-1" is not in ${dir}/jwks.json (it holds "${jwks.keys[0]!.kid}"); unset VIGIL_SIGNING_KEY_ID to use the published id\n`,
    },
  );
});
