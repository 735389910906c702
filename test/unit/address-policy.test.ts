import { assertAllowedAddress, ForbiddenAddressError, isAllowedTarget, isInternalAddress, type AddressPolicy } from '../../src/download/address-policy';

/** Where a download may connect: every internal range refused, however it is spelled or wrapped. */

describe('isInternalAddress', () => {
  test.each([
    ['"this" network', '0.0.0.0'],
    ['private 10/8', '10.1.2.3'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['loopback', '127.0.0.1'],
    ['loopback, anywhere in 127/8', '127.255.0.9'],
    ['cloud metadata (link-local)', '169.254.169.254'],
    ['private 172.16/12', '172.31.255.255'],
    ['IETF protocol assignments', '192.0.0.8'],
    ['private 192.168/16', '192.168.1.1'],
    ['benchmarking', '198.19.0.1'],
    ['multicast', '224.0.0.1'],
    ['broadcast', '255.255.255.255'],
  ])('IPv4 %s (%s) is internal', (_name, address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  test.each([
    ['unspecified', '::'],
    ['loopback', '::1'],
    ['unique-local', 'fd12:3456::1'],
    ['AWS metadata over IPv6', 'fd00:ec2::254'],
    ['link-local', 'fe80::1'],
    ['site-local', 'fec0::1'],
    ['multicast', 'ff02::1'],
    ['discard-only', '100::1'],
  ])('IPv6 %s (%s) is internal', (_name, address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  // Each IPv6 range that carries an IPv4 address: the IPv4 rules decide.
  test.each([
    ['IPv4-mapped, dotted', '::ffff:127.0.0.1'],
    ['IPv4-mapped, in hex (how URL spells it)', '::ffff:7f00:1'],
    ['IPv4-mapped metadata', '::ffff:a9fe:a9fe'],
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['IPv4-compatible metadata, in hex', '::a9fe:a9fe'],
    ['IPv4-compatible private', '::10.0.0.1'],
    ['IPv4-translated (SIIT) loopback', '::ffff:0:7f00:1'],
    ['NAT64 loopback', '64:ff9b::127.0.0.1'],
    ['NAT64 metadata, in hex', '64:ff9b::a9fe:a9fe'],
    ['NAT64 private', '64:ff9b::192.168.0.1'],
    ['local-use NAT64, even to a public address', '64:ff9b:1::808:808'],
    ['local-use NAT64, another prefix length', '64:ff9b:1:abcd::1'],
    ['6to4 of loopback', '2002:7f00:1::1'],
    ['6to4 of metadata', '2002:a9fe:a9fe::'],
    ['6to4 of private 10/8', '2002:a00:1:1::5'],
    ['Teredo with a loopback client', '2001:0:4136:e378:8000:63bf:80ff:fffe'],
  ])('%s (%s) is internal', (_name, address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  test.each([
    ['public IPv4', '8.8.8.8'],
    ['public IPv4 next to 172.16/12', '172.32.0.1'],
    ['public IPv6', '2606:4700:4700::1111'],
    ['IPv4-mapped public', '::ffff:8.8.8.8'],
    ['IPv4-compatible public', '::8.8.8.8'],
    ['NAT64 to a public address (DNS64 networks reach every IPv4-only host this way)', '64:ff9b::8.8.8.8'],
    ['6to4 of a public address', '2002:808:808::1'],
    ['Teredo with a public client', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
  ])('%s (%s) is not internal', (_name, address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  test.each([['a host name', 'localhost'], ['an empty string', ''], ['a shortened IPv4', '127.1'], ['hex IPv4', '0x7f000001'], ['a CIDR', '10.0.0.0/8']])(
    'anything but a canonical address (%s) is refused',
    (_name, address) => {
      expect(isInternalAddress(address)).toBe(true);
    },
  );
});

describe('isAllowedTarget', () => {
  const policy = (allowedHosts: string[], allowPrivate = false): AddressPolicy => ({ allowPrivate, allowedHosts });
  const sandbox = policy(['localhost:8090']);

  test('the allowed host on its port is allowed', () => {
    expect(isAllowedTarget(new URL('http://localhost:8090/files/a.wav'), sandbox)).toBe(true);
  });

  test.each([
    ['the API beside it', 'http://localhost:3000/openapi.json'],
    ["Temporal's gRPC port", 'http://localhost:7233/'],
    ['the default port', 'http://localhost/'],
    ['https on the default port', 'https://localhost/'],
    ['another host on the same port', 'http://127.0.0.1:8090/'],
  ])('%s of the allowed host is not: the port must match too', (_name, url) => {
    expect(isAllowedTarget(new URL(url), sandbox)).toBe(false);
  });

  test.each([
    ['a bare host, http on 80', ['files.internal'], 'http://files.internal/a.wav', true],
    ['a bare host, https on 443', ['files.internal'], 'https://files.internal/a.wav', true],
    ['a bare host, another port', ['files.internal'], 'http://files.internal:8080/a.wav', false],
    ['host:80 written out', ['files.internal:80'], 'http://files.internal/a.wav', true],
    ['host:80 written out, https', ['files.internal:80'], 'https://files.internal/a.wav', false],
    ['a name in capitals', ['LOCALHOST:8090'], 'http://localhost:8090/', true],
    ['an IPv6 literal', ['[::1]:8090'], 'http://[::1]:8090/', true],
    ['an IPv6 literal, another port', ['[::1]:8090'], 'http://[::1]:8091/', false],
    ['nothing allowed', [], 'http://localhost:8090/', false],
  ])('%s', (_name, allowed, url, expected) => {
    expect(isAllowedTarget(new URL(url), policy(allowed))).toBe(expected);
  });

  test('the development switch allows everything', () => {
    expect(isAllowedTarget(new URL('http://127.0.0.1:7233/'), policy([], true))).toBe(true);
  });
});

describe('assertAllowedAddress', () => {
  const policy: AddressPolicy = { allowPrivate: false, allowedHosts: ['localhost:8090'] };

  test('an allowed host:port may resolve to loopback', () => {
    expect(() => assertAllowedAddress(new URL('http://localhost:8090/a.wav'), '127.0.0.1', policy)).not.toThrow();
  });

  test('the same host on another port may not', () => {
    expect(() => assertAllowedAddress(new URL('http://localhost:3000/openapi.json'), '127.0.0.1', policy)).toThrow(ForbiddenAddressError);
  });

  test('any host may resolve to a public address', () => {
    expect(() => assertAllowedAddress(new URL('https://cdn.example.com/a.wav'), '93.184.216.34', policy)).not.toThrow();
  });

  test('a public name that resolves to a NAT64-wrapped metadata address may not', () => {
    expect(() => assertAllowedAddress(new URL('https://cdn.example.com/a.wav'), '64:ff9b::a9fe:a9fe', policy)).toThrow(ForbiddenAddressError);
  });
});
