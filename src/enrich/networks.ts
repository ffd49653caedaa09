import { canonicalIp } from './addresses.ts';
import { BlockList, isIP } from 'node:net';
import { memoize } from './memo.ts';

/** How an address may be used: only `public` addresses are located and used for travel. */
export type NetworkClass = 'public' | 'private' | 'loopback' | 'reserved' | 'trusted';

// RFC 6890 special-purpose registries: these addresses say nothing about where a user is.
const SPECIAL: ReadonlyArray<[string, number, 'ipv4' | 'ipv6', NetworkClass]> = [
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'private'], // carrier-grade NAT
  ['169.254.0.0', 16, 'ipv4', 'private'], // link-local
  ['0.0.0.0', 8, 'ipv4', 'reserved'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.0.2.0', 24, 'ipv4', 'reserved'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['198.51.100.0', 24, 'ipv4', 'reserved'],
  ['203.0.113.0', 24, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'reserved'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 128, 'ipv6', 'reserved'],
  ['fc00::', 7, 'ipv6', 'private'], // unique local
  ['fe80::', 10, 'ipv6', 'private'], // link-local
  ['ff00::', 8, 'ipv6', 'reserved'],
  ['2001:db8::', 32, 'ipv6', 'reserved'],
  ['100::', 64, 'ipv6', 'reserved'],
];

function blockListOf(entries: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
}

const byClass = new Map<NetworkClass, BlockList>(
  (['loopback', 'private', 'reserved'] as const).map((cls) => [
    cls,
    blockListOf(SPECIAL.filter((entry) => entry[3] === cls).map(([n, p, f]) => [n, p, f] as const)),
  ]),
);

/** Parses "203.0.113.0/24" or "2001:db8::/32"; throws with the entry named when it is not a CIDR. */
export function parseCidr(cidr: string): readonly [string, number, 'ipv4' | 'ipv6'] {
  const [network = '', prefixText] = cidr.trim().split('/');
  const version = isIP(network);
  const prefix = prefixText === undefined ? (version === 6 ? 128 : 32) : Number(prefixText);
  if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (version === 6 ? 128 : 32)) {
    throw new Error(`not a CIDR: "${cidr}"`);
  }
  return [network, prefix, version === 6 ? 'ipv6' : 'ipv4'];
}

/** Whether an address lies in a CIDR (both as Vigil normalises them). */
export function inCidr(ip: string, cidr: string): boolean {
  const address = normalizeIp(ip);
  return blockListOf([parseCidr(cidr)]).check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** "::ffff:81.2.69.160" is an IPv4 address written as IPv6; classify and locate it as IPv4. */
export const normalizeIp = canonicalIp;

export class NetworkClassifier {
  readonly #trusted: BlockList;
  readonly #classes = memoize((ip: string) => this.#classOf(ip));

  constructor(trustedCidrs: readonly string[] = []) {
    this.#trusted = blockListOf(trustedCidrs.map(parseCidr));
  }

  classify(rawIp: string): NetworkClass {
    return this.#classes.get(normalizeIp(rawIp));
  }

  #classOf(ip: string): NetworkClass {
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    for (const [cls, list] of byClass) if (list.check(ip, family)) return cls;
    return this.#trusted.check(ip, family) ? 'trusted' : 'public';
  }
}
