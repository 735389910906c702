import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a download may connect to. A callback or record-info answer decides the URL, so
 * without this a forged or compromised answer could make the worker fetch from the cloud metadata
 * service or an internal admin port (SSRF).
 */
export interface AddressPolicy {
  /** The local-development switch: allow every address. */
  allowPrivate: boolean;
  /**
   * `host:port` pairs (or literal `address:port`, IPv6 in brackets) allowed whatever they resolve
   * to, e.g. the sandbox on localhost. The port must match too: the sandbox's host also runs the
   * API and Temporal. A bare host stands for its scheme's default port (80, 443).
   */
  allowedHosts: readonly string[];
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
const cidrs = (list: readonly string[]): Cidr[] => list.map((range) => ipaddr.parseCIDR(range));

const FORBIDDEN_IPV4 = cidrs([
  '0.0.0.0/8', // "this" network
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, including 169.254.169.254 (cloud metadata)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
]);

const FORBIDDEN_IPV6 = cidrs([
  '::1/128', // loopback (also IPv4-compatible 0.0.0.1, refused below anyway)
  'fc00::/7', // unique-local, including fd00:ec2::254 (AWS metadata over IPv6)
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated, still routed by some networks)
  'ff00::/8', // multicast
  '100::/64', // discard-only
  // Local-use NAT64 (RFC 8215): the translator is on a private network, and the operator chooses
  // where the IPv4 address sits, so it cannot be decoded reliably.
  '64:ff9b:1::/48',
]);

/**
 * IPv6 ranges that carry an IPv4 address, and how to get it out: a packet to one of them reaches
 * (or pretends to reach) that IPv4 address, so the IPv4 rules decide.
 */
const EMBEDDING_IPV4: Array<{ range: Cidr; ipv4: (bytes: number[]) => number[] }> = [
  { range: ipaddr.parseCIDR('::ffff:0:0/96'), ipv4: (b) => b.slice(12) }, // IPv4-mapped
  { range: ipaddr.parseCIDR('::/96'), ipv4: (b) => b.slice(12) }, // IPv4-compatible (deprecated); `::` is 0.0.0.0
  { range: ipaddr.parseCIDR('::ffff:0:0:0/96'), ipv4: (b) => b.slice(12) }, // IPv4-translated (SIIT)
  { range: ipaddr.parseCIDR('64:ff9b::/96'), ipv4: (b) => b.slice(12) }, // NAT64 well-known prefix
  { range: ipaddr.parseCIDR('2002::/16'), ipv4: (b) => b.slice(2, 6) }, // 6to4: the relay's IPv4 address
  { range: ipaddr.parseCIDR('2001::/32'), ipv4: (b) => b.slice(12).map((x) => x ^ 0xff) }, // Teredo: the client, obfuscated
];

/**
 * True when `address` (a literal IP) is private, loopback, link-local, unique-local or otherwise
 * internal, including an internal IPv4 address wrapped in IPv6 (mapped, compatible, NAT64, 6to4,
 * Teredo). Anything that is not a canonical literal address is refused.
 */
export function isInternalAddress(address: string): boolean {
  if (!isIP(address)) return true;
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return FORBIDDEN_IPV4.some((range) => ip.match(range));
  if (FORBIDDEN_IPV6.some((range) => ip.match(range))) return true;
  const bytes = ip.toByteArray();
  const embedding = EMBEDDING_IPV4.find(({ range }) => ip.match(range));
  if (!embedding) return false;
  const ipv4 = new ipaddr.IPv4(embedding.ipv4(bytes));
  return FORBIDDEN_IPV4.some((range) => ipv4.match(range));
}

/** True when the policy lets `url` reach internal addresses: its exact host and port are allowed. */
export function isAllowedTarget(url: URL, policy: AddressPolicy): boolean {
  if (policy.allowPrivate) return true;
  // Parsed with the target's scheme, so a default port reads the same on both sides.
  return policy.allowedHosts.some((entry) => URL.canParse(`${url.protocol}//${entry}`) && new URL(`${url.protocol}//${entry}`).host === url.host);
}

export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
}

/** Throws unless `address`, resolved for `url`'s host, may be connected to. */
export function assertAllowedAddress(url: URL, address: string, policy: AddressPolicy): void {
  if (isAllowedTarget(url, policy)) return;
  if (isInternalAddress(address)) throw new ForbiddenAddressError(`${url.host} resolves to internal address ${address}`);
}
