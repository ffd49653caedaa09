import { isIPv6 } from 'node:net';

/**
 * One spelling per address, so that `2001:DB8::1`, `2001:db8:0:0::1` and `2001:0db8::0001` count as
 * one: IPv6 in the RFC 5952 form (the WHATWG URL parser writes exactly that), IPv4-mapped IPv6 as IPv4.
 */
export function canonicalIp(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * The /64 an IPv6 address belongs to, as `2001:db8:1:2::/64`: one subscriber or one host usually holds
 * a whole /64, so spraying from many addresses of it is spraying from one place. Undefined for IPv4.
 */
export function ipv6Prefix64(ip: string): string | undefined {
  if (!isIPv6(ip)) return undefined;
  const groups = expand(canonicalIp(ip));
  if (!groups) return undefined;
  return `${canonicalIp(`${groups.slice(0, 4).join(':')}::`)}/64`;
}

function expand(ip: string): string[] | undefined {
  if (!isIPv6(ip) || ip.includes('.')) return undefined;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(zeros).fill('0'), ...right];
}
