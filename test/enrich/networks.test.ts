import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkClassifier, parseCidr } from '../../src/enrich/networks.ts';

test('addresses are classed private, loopback, reserved, trusted or public', () => {
  const classifier = new NetworkClassifier(['81.2.69.0/24', '2a01:cb00::/32']);
  const cases: [string, string][] = [
    ['10.20.1.2', 'private'],
    ['172.31.255.1', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['203.0.113.9', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['81.2.69.160', 'trusted'],
    ['::ffff:81.2.69.160', 'trusted'],
    ['2a01:cb00:1:2::1', 'trusted'],
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
  ];
  assert.deepEqual(
    cases.map(([ip]) => [ip, classifier.classify(ip)]),
    cases,
  );
});

test('a trusted network that is not a CIDR is named', () => {
  assert.throws(() => parseCidr('10.0.0.0/33'), /not a CIDR: "10.0.0.0\/33"/);
  assert.deepEqual(parseCidr('8.8.8.8'), ['8.8.8.8', 32, 'ipv4']);
});
