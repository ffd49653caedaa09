import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSigningKey } from '../../src/sinks/commands/signing.ts';

const vigil = new URL('../../src/cli/vigil.ts', import.meta.url).pathname;

/** `vigil config` with only the given variables set, as an operator would run it. */
function vigilConfig(env: Record<string, string>) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [vigil, 'config'], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return { status, stdout, stderr };
}

test('VIGIL_TRUSTED_NETWORKS=foo is one line naming the variable, exit code 78', () => {
  assert.deepEqual(vigilConfig({ VIGIL_TRUSTED_NETWORKS: '10.0.0.0/8,foo' }), {
    status: 78,
    stdout: '',
    stderr:
      'vigil: configuration error: VIGIL_TRUSTED_NETWORKS: "foo" is not a CIDR such as 203.0.113.0/24 (got "10.0.0.0/8,foo")\n',
  });
});

test('a VIGIL_GEO_DATA_DIR that does not exist, or holds no GeoIP data, is one line', (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'vigil-geo-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  assert.deepEqual(vigilConfig({ VIGIL_GEO_DATA_DIR: join(empty, 'missing') }), {
    status: 78,
    stdout: '',
    stderr: `vigil: configuration error: VIGIL_GEO_DATA_DIR: no such folder (got "${join(empty, 'missing')}")\n`,
  });
  assert.deepEqual(vigilConfig({ VIGIL_GEO_DATA_DIR: empty }), {
    status: 78,
    stdout: '',
    stderr: `vigil: configuration error: VIGIL_GEO_DATA_DIR: not a geoip-lite data folder: no geoip-country.dat or geoip-country6.dat (got "${empty}")\n`,
  });
});

test('a bad URL with credentials is one line with the credentials masked', () => {
  const { status, stdout, stderr } = vigilConfig({
    VIGIL_ALERTMANAGER_URLS: 'https://pager:hunter2@am 0:9093',
  });
  assert.deepEqual(
    { status, stdout, stderr },
    {
      status: 78,
      stdout: '',
      stderr:
        'vigil: configuration error: VIGIL_ALERTMANAGER_URLS: Invalid URL (got "https://[redacted]@am 0:9093")\n',
    },
  );
});

test('a policy file that is not a policy fails `vigil config` as it would fail start-up', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'rules: 12\n');
  const { status, stdout, stderr } = vigilConfig({ VIGIL_POLICY_FILE: policy });
  assert.deepEqual(
    { status, stdout, lines: stderr.split('\n').length - 1 },
    { status: 78, stdout: '', lines: 1 },
  );
  assert.match(stderr, new RegExp(`^vigil: configuration error: ${policy}: `));
});

test('a valid configuration prints with every URL credential masked', () => {
  const { status, stdout, stderr } = vigilConfig({
    VIGIL_TRUSTED_NETWORKS: '81.4.109.0/24,2001:db8::/32',
    VIGIL_ALERTMANAGER_URLS: 'https://pager:hunter2@am-0.example:9093',
    VIGIL_KIBANA_URL: 'https://kibana.example/?auth_token=s3cret',
  });
  assert.equal(status, 0);
  assert.equal(stderr, '');
  const { alerting, detect } = JSON.parse(stdout) as {
    alerting: { alertmanagerUrls: string[]; kibanaUrl: string };
    detect: { travel: { trustedNetworks: string[] } };
  };
  assert.deepEqual(alerting.alertmanagerUrls, ['https://[redacted]@am-0.example:9093']);
  assert.equal(alerting.kibanaUrl, 'https://kibana.example/?auth_token=[redacted]');
  assert.deepEqual(detect.travel.trustedNetworks, ['81.4.109.0/24', '2001:db8::/32']);
  assert.ok(!stdout.includes('hunter2') && !stdout.includes('s3cret'));
});

test('the signing algorithm is Ed25519 or RS256, and the key must suit it: each a one-line start-up error', () => {
  assert.deepEqual(vigilConfig({ VIGIL_SIGNING_ALGORITHM: 'EdDSA' }), {
    status: 78,
    stdout: '',
    stderr:
      'vigil: configuration error: VIGIL_SIGNING_ALGORITHM: expected Ed25519 (the default) or RS256 (the CAEP interoperability profile); EdDSA is deprecated by RFC 9864 and is now called Ed25519 (got "EdDSA")\n',
  });
  const ed25519 = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  assert.deepEqual(vigilConfig({ VIGIL_SIGNING_ALGORITHM: 'RS256', VIGIL_SIGNING_KEY: ed25519 }), {
    status: 78,
    stdout: '',
    stderr:
      'vigil: configuration error: VIGIL_SIGNING_KEY: not a usable private key for VIGIL_SIGNING_ALGORITHM=RS256 (RS256 signs with an rsa key, and this one is ed25519; `vigil keygen --alg RS256` makes one)\n',
  });
});

test('vigil keygen follows VIGIL_SIGNING_ALGORITHM: an RS256 key and a JWKS naming RS256', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-keygen-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const { status, stderr } = spawnSync(process.execPath, [vigil, 'keygen', '--out', out, '--kid', 'k-1'], {
    env: { PATH: process.env.PATH, VIGIL_SIGNING_ALGORITHM: 'RS256' },
    encoding: 'utf8',
  });
  assert.equal(status, 0, stderr);
  const jwks = JSON.parse(readFileSync(join(out, 'jwks.json'), 'utf8')) as { keys: Record<string, string>[] };
  assert.deepEqual(
    jwks.keys.map(({ kty, alg, kid, use }) => ({ kty, alg, kid, use })),
    [{ kty: 'RSA', alg: 'RS256', kid: 'k-1', use: 'sig' }],
  );
  const key = loadSigningKey(readFileSync(join(out, 'signing-key.pem'), 'utf8'), 'k-1', 'RS256');
  assert.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.match(stderr, /\(key id k-1\); set VIGIL_SIGNING_KEY_FILE=\S+ VIGIL_SIGNING_ALGORITHM=RS256\n$/);
});
