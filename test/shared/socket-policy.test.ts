/**
 * The sockets allow-list (src/core/host/socket-policy.ts) and the address conversions beside it:
 * parsing entries, matching addresses and names, and the IP spellings that must not sneak past.
 * Runs in Node and in Chromium (the canonical forms come from each one's URL parser).
 */
import { ipText, parseIp } from '../../src/core/host/socket-address.js';
import { SocketAllowList, canonicalIp, canonicalName, parseSocketPattern } from '../../src/core/host/socket-policy.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const allowed = (list: SocketAllowList, ip: string, port: number, names: string[] = []): boolean => list.checkAddress(ip, port, names).allowed;

describe('sockets allow-list: parsing entries', () => {
  it('parses IPv4, IPv6, names, suffix wildcards and wildcard hosts and ports', () => {
    deepEqual(parseSocketPattern('127.0.0.1:8080'), { kind: 'ip', host: '127.0.0.1', port: 8080, source: '127.0.0.1:8080' });
    deepEqual(parseSocketPattern('Example.COM:443'), { kind: 'name', host: 'example.com', port: 443, source: 'Example.COM:443' });
    deepEqual(parseSocketPattern('*:5432'), { kind: 'any', host: '*', port: 5432, source: '*:5432' });
    deepEqual(parseSocketPattern('db.internal:*'), { kind: 'name', host: 'db.internal', port: null, source: 'db.internal:*' });
    deepEqual(parseSocketPattern('[::1]:80'), { kind: 'ip', host: '::1', port: 80, source: '[::1]:80' });
    deepEqual(parseSocketPattern('[0:0:0:0:0:0:0:1]:*'), { kind: 'ip', host: '::1', port: null, source: '[0:0:0:0:0:0:0:1]:*' });
    deepEqual(parseSocketPattern('[2001:DB8::A]:53'), { kind: 'ip', host: '2001:db8::a', port: 53, source: '[2001:DB8::A]:53' });
    deepEqual(parseSocketPattern('*.Example.com:443'), { kind: 'suffix', host: 'example.com', port: 443, source: '*.Example.com:443' });
    deepEqual(parseSocketPattern('*:*'), { kind: 'any', host: '*', port: null, source: '*:*' });
    equal(parseSocketPattern('example.com.:80').host, 'example.com', 'one trailing dot names the same host');
    equal(parseSocketPattern('bücher.example:80').host, 'xn--bcher-kva.example', 'IDN names are compared in ASCII');
    equal(parseSocketPattern('0.0.0.0:0').port, 0);
  });

  it('refuses malformed entries with a TypeError that shows the expected form', () => {
    for (const bad of [
      '', 'example.com', '127.0.0.1', ':80', 'example.com:', 'example.com:http', 'example.com:65536', 'example.com:-1', 'example.com:8080:*',
      '::1:80', '[::1]', '[::1:80', '[127.0.0.1]:80', '[fe80::1%eth0]:80', 'a b.com:80', 'a%41.com:80', 'a.*.com:80', '*example.com:80', '**:80',
      '*.:80', '*.1.2.3.4:80', '2130706433:80', '0x7f.1:80', '127.1:80', '010.0.0.1:80', '256.0.0.1:80', 'user@host:80', 'host/path:80', 'http://a.com:80',
    ]) {
      throws(() => parseSocketPattern(bad), { instanceOf: TypeError, message: 'capabilities.sockets.allow' });
    }
    throws(() => new SocketAllowList('127.0.0.1:80' as unknown as string[]), { instanceOf: TypeError });
    throws(() => new SocketAllowList([80 as unknown as string]), { instanceOf: TypeError });
  });
});

describe('sockets allow-list: matching', () => {
  const list = new SocketAllowList(['127.0.0.1:8080', 'example.com:443', '*:5432', 'db.internal:*', '[::1]:80', '*.svc.example:7000']);

  it('allows exactly the listed IP and port, or a wildcard host or port', () => {
    ok(allowed(list, '127.0.0.1', 8080));
    ok(!allowed(list, '127.0.0.1', 8081), 'another port');
    ok(!allowed(list, '127.0.0.2', 8080), 'another address');
    ok(allowed(list, '10.1.2.3', 5432), '*:5432');
    ok(allowed(list, '::1', 80));
    ok(!allowed(list, '::1', 8080));
    ok(!allowed(list, '::ffff:7f00:1', 8080), 'an IPv4-mapped IPv6 address is another literal');
    ok(allowed(list, '0:0:0:0:0:0:0:1', 80), 'any spelling of an allowed IPv6 address');
  });

  it('allows an IP address for a name only when the guest resolved that name to it', () => {
    ok(!allowed(list, '93.184.216.34', 443), 'an address alone never matches a name entry');
    ok(allowed(list, '93.184.216.34', 443, ['example.com']));
    ok(allowed(list, '93.184.216.34', 443, ['EXAMPLE.com.']), 'names compare case-insensitively');
    ok(!allowed(list, '93.184.216.34', 80, ['example.com']), 'the name\'s port still counts');
    ok(!allowed(list, '93.184.216.34', 443, ['evil.com']));
    ok(allowed(list, '10.0.0.7', 1234, ['db.internal']), 'db.internal:* allows every port');
    ok(allowed(list, '10.0.0.8', 7000, ['a.b.svc.example']), 'a suffix wildcard matches names below it at any depth');
    ok(!allowed(list, '10.0.0.8', 7000, ['svc.example']), 'never the suffix itself');
    ok(!allowed(list, '10.0.0.8', 7000, ['evilsvc.example']));
    ok(allowed(list, '127.0.0.1', 8080, ['127.0.0.1.evil.com']), 'an IP entry allows its address whatever name led to it');
    ok(!allowed(list, '127.0.0.2', 8080, ['127.0.0.1.evil.com']), 'a look-alike name allows nothing');
  });

  it('allows lookups only of names some entry could allow; IP literals need no lookup', () => {
    ok(list.checkLookup('evil.example').allowed, '*:5432 allows every host, so every name may be looked up');
    const named = new SocketAllowList(['127.0.0.1:8080', 'example.com:443', 'db.internal:*', '*.svc.example:7000']);
    ok(named.checkLookup('example.com').allowed);
    ok(named.checkLookup('DB.Internal').allowed);
    ok(named.checkLookup('x.svc.example').allowed);
    ok(!named.checkLookup('evil.example').allowed);
    ok(!named.checkLookup('svc.example').allowed);
    ok(named.checkLookup('10.9.9.9').allowed);
    ok(named.checkLookup('::1').allowed);
    ok(!named.checkLookup('not a name').allowed);
    ok(new SocketAllowList(['*:443']).checkLookup('anything.example').allowed, '* allows every lookup');
    ok(!new SocketAllowList([]).checkLookup('example.com').allowed, 'an empty list allows nothing');
  });

  it('says why and which grant would allow a refused address', () => {
    const v = list.checkAddress('10.0.0.9', 22, []);
    ok(!v.allowed);
    if (v.allowed) return;
    ok(v.reason.includes('10.0.0.9:22'), v.reason);
    ok(v.grant.startsWith('capabilities.sockets = { allow: [\'127.0.0.1:8080\''), v.grant);
    ok(v.grant.endsWith(', \'10.0.0.9:22\'] }'), v.grant);
    const named = list.checkAddress('10.0.0.9', 22, ['git.example']);
    ok(!named.allowed && named.grant.includes('\'git.example:22\''), 'a resolved name is suggested rather than its address');
    const v6 = new SocketAllowList([]).checkAddress('::1', 9, []);
    ok(!v6.allowed && v6.grant === 'capabilities.sockets = { allow: [\'[::1]:9\'] }', 'IPv6 in brackets');
  });
});

describe('sockets: IP text', () => {
  it('canonicalises IP literals and refuses other spellings', () => {
    equal(canonicalIp('127.0.0.1'), '127.0.0.1');
    equal(canonicalIp('[::1]'), '::1');
    equal(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    equal(canonicalIp('::ffff:127.0.0.1'), '::ffff:7f00:1');
    equal(canonicalIp('1:0:0:2:0:0:0:3'), '1:0:0:2::3', 'the longest run of zeros is compressed');
    for (const no of ['localhost', '127.1', '2130706433', '0x7f000001', '127.0.0.01', '::1%lo', '[::1', '1.2.3.4.5', '']) equal(canonicalIp(no), null, no);
    equal(canonicalName('LocalHost.'), 'localhost');
    for (const no of ['', '127.0.0.1', '1.2.3', 'a b', 'a/b', 'a:80', 'u@h', '*.a', 'a%2e.com']) equal(canonicalName(no), null, no);
  });

  it('converts between WASI addresses and text', () => {
    deepEqual(parseIp('::ffff:127.0.0.1'), { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1] });
    deepEqual(parseIp('10.1.2.3'), { tag: 'ipv4', val: [10, 1, 2, 3] });
    deepEqual(parseIp('fe80::1:2'), { tag: 'ipv6', val: [0xfe80, 0, 0, 0, 0, 0, 1, 2] });
    deepEqual(parseIp('1::'), { tag: 'ipv6', val: [1, 0, 0, 0, 0, 0, 0, 0] });
    equal(parseIp('example.com'), null);
    equal(ipText({ tag: 'ipv6', val: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] }), '2001:db8::1');
    equal(ipText({ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 0] }), '::');
    equal(ipText({ tag: 'ipv4', val: [192, 168, 0, 1] }), '192.168.0.1');
    for (const t of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', 'a:0:b::c', '10.0.0.255']) equal(ipText(parseIp(t)!), t, t);
  });
});
