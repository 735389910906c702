import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a download may connect to. A callback or record-info answer decides the URL, so
 * without this a forged or compromised answer could make the worker fetch from the cloud metadata
 * service or an internal admin port (SSRF).
 */
export interface AddressPolicy {
  /** The local-development switch: allow every address. */
  allowPrivate: boolean;
  /** Host names (or literal addresses) allowed whatever they resolve to, e.g. a sandbox on localhost. */
  allowedHosts: readonly string[];
}

const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['fd00:ec2::254', 128], // AWS metadata over IPv6 (inside fc00::/7 too; listed for the record)
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** True when `address` (a literal IP) is private, loopback, link-local, unique-local or otherwise internal. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped ? forbidden.check(mapped, 'ipv4') : forbidden.check(address, 'ipv6');
  }
  return true; // not an address at all: refuse
}

export function isAllowedHost(hostname: string, policy: AddressPolicy): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return policy.allowPrivate || policy.allowedHosts.some((h) => h.toLowerCase() === bare);
}

export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
}

/** Throws unless `address`, resolved for `hostname`, may be connected to. */
export function assertAllowedAddress(hostname: string, address: string, policy: AddressPolicy): void {
  if (isAllowedHost(hostname, policy)) return;
  if (isInternalAddress(address)) throw new ForbiddenAddressError(`${hostname} resolves to internal address ${address}`);
}
