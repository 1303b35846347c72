import { HttpAllowList, isIpLiteral, parseOriginPattern } from '../../src/core/host/http-policy.js';
import { deepEqual, equal, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const policy = new HttpAllowList(['https://api.example.com', 'https://*.example.com', 'http://127.0.0.1:8080']);

function expectAllowed(list: HttpAllowList, urls: string[]): void {
  for (const u of urls) equal(list.allows(u), true, `${u} should be allowed`);
}
function expectRefused(list: HttpAllowList, urls: string[]): void {
  for (const u of urls) equal(list.allows(u), false, `${u} should be refused`);
}

describe('HTTP allow-list: parsing entries', () => {
  it('parses origins with default and explicit ports, wildcards and IP literals', () => {
    deepEqual(parseOriginPattern('https://api.example.com'), { scheme: 'https:', host: 'api.example.com', wildcard: false, port: 443, source: 'https://api.example.com' });
    deepEqual(parseOriginPattern('http://API.Example.COM'), { scheme: 'http:', host: 'api.example.com', wildcard: false, port: 80, source: 'http://API.Example.COM' });
    deepEqual(parseOriginPattern('HTTPS://*.Example.com:8443/'), { scheme: 'https:', host: 'example.com', wildcard: true, port: 8443, source: 'HTTPS://*.Example.com:8443/' });
    deepEqual(parseOriginPattern('http://127.0.0.1:8080'), { scheme: 'http:', host: '127.0.0.1', wildcard: false, port: 8080, source: 'http://127.0.0.1:8080' });
    deepEqual(parseOriginPattern('http://[::1]:*'), { scheme: 'http:', host: '[::1]', wildcard: false, port: null, source: 'http://[::1]:*' });
    // a default port written out is the default port
    equal(parseOriginPattern('https://a.example:443').port, 443);
    // a trailing dot names the same host
    equal(parseOriginPattern('https://example.com.').host, 'example.com');
    // IDN hosts are compared in their ASCII form, as the URL parser gives them
    equal(parseOriginPattern('https://*.bücher.example').host, 'xn--bcher-kva.example');
  });

  it('refuses malformed entries with a TypeError that shows the expected form', () => {
    for (const bad of [
      'api.example.com', 'https://', 'ftp://example.com', 'file:///etc', 'https://example.com/path', 'https://example.com?q', 'https://example.com#f',
      'https://user@example.com', 'https://user:pw@example.com', 'https://*', 'https://*.', 'https://a.*.example.com', 'https://*example.com',
      'https://**.example.com', 'https://*.1.2.3', 'https://*.[::1]', 'https://*.127.0.0.1', 'https://example.com:99999', 'https://exa mple.com',
      'https://example.com:80:*', 'https://exa%20mple.com', 'https://a\\b.com', '*', '',
    ]) {
      throws(() => parseOriginPattern(bad), { instanceOf: TypeError, message: 'capabilities.http.allow' });
    }
    throws(() => new HttpAllowList('https://example.com' as unknown as string[]), { instanceOf: TypeError });
    throws(() => new HttpAllowList([42 as unknown as string]), { instanceOf: TypeError });
  });

  it('knows IP literals as the URL parser writes them', () => {
    equal(isIpLiteral('127.0.0.1'), true);
    equal(isIpLiteral('[::1]'), true);
    equal(isIpLiteral('127.0.0.1.evil.com'), false);
    equal(isIpLiteral('example.com'), false);
  });
});

describe('HTTP allow-list: matching', () => {
  it('allows exactly the granted origins', () => {
    expectAllowed(policy, [
      'https://api.example.com/v1/things?x=1', 'https://API.EXAMPLE.COM/', 'https://api.example.com:443/', 'https://api.example.com./x',
      'https://cdn.example.com/', 'https://a.b.example.com/', 'http://127.0.0.1:8080/', 'http://127.0.0.1:8080/path#frag',
    ]);
  });

  it('refuses other schemes, hosts and ports', () => {
    expectRefused(policy, [
      'http://api.example.com/', // scheme
      'https://api.example.com:8443/', // port
      'https://example.com/', // the wildcard does not cover the bare domain
      'https://evil.com/', 'https://example.com.evil.com/', 'https://api.example.com.evil.com/', 'https://notexample.com/', 'https://xexample.com/',
      'https://cdn.example.com:444/', 'http://cdn.example.com/', 'http://127.0.0.1/', 'http://127.0.0.1:80/', 'https://127.0.0.1:8080/',
      'http://127.0.0.2:8080/', 'ws://api.example.com/', 'file:///etc/passwd', 'data:text/plain,x', 'javascript:alert(1)', 'not a url', '/relative',
      'https://api.example.com../', // two trailing dots are another name
    ]);
  });

  it('refuses the tricks: look-alike hosts, userinfo, IP spellings, IPv6, percent-encoding', () => {
    expectRefused(policy, [
      'http://127.0.0.1.evil.com:8080/', // a DNS name that starts like the IP
      'http://127.0.0.1:8080@evil.com/', 'http://127.0.0.1:8080@evil.com:8080/', // userinfo: the host is evil.com
      'https://api.example.com@evil.com/', 'https://api.example.com:443@evil.com/', 'https://user:pw@api.example.com/', // credentials in the URL are never sent
      'http://[::1]:8080/', 'http://[::ffff:127.0.0.1]:8080/', 'http://[::ffff:7f00:1]:8080/', // IPv6 is not the IPv4 entry
      'http://localhost:8080/', // a name that resolves to the IP is not the IP
      'https://evil.com\\@api.example.com/', 'https://evil.com%2F@api.example.com/', 'https://evil.com#@api.example.com/', 'https://evil.com?@api.example.com/',
      'https://api.example.com%2eevil.com/', 'http://0x7f.0.0.1.nip.io:8080/',
    ]);
    // every spelling of the allowed IPv4 address is that address (the URL parser normalises it)
    expectAllowed(policy, ['http://2130706433:8080/', 'http://0x7f.0.0.1:8080/', 'http://127.1:8080/', 'http://0177.0.0.1:8080/', 'http://127.0.0.1.:8080/', 'http://%31%32%37.0.0.1:8080/']);
  });

  it('never lets a wildcard match an IP literal, and matches IP literals only exactly', () => {
    const ips = new HttpAllowList(['https://*.example.com', 'http://[::1]:3000', 'http://10.0.0.1']);
    expectAllowed(ips, ['http://[::1]:3000/', 'http://[0:0::1]:3000/', 'http://[0000:0000:0000:0000:0000:0000:0000:0001]:3000/', 'http://10.0.0.1/', 'http://10.0.0.1:80/']);
    expectRefused(ips, ['https://93.184.216.34/', 'https://[2606:2800:220:1::]/', 'http://[::1]:3001/', 'http://[::2]:3000/', 'http://10.0.0.1:8080/', 'https://10.0.0.1/', 'http://10.0.0.1.example.com/']);
    // the wildcard still covers DNS names that merely contain digits
    expectAllowed(ips, ['https://10.0.0.1.example.com/', 'https://1.example.com/']);
  });

  it('allows any port only when the entry says :*', () => {
    const any = new HttpAllowList(['http://localhost:*', 'https://*.example.org:*']);
    expectAllowed(any, ['http://localhost/', 'http://localhost:8000/', 'http://LOCALHOST:65535/', 'https://a.example.org:8443/', 'https://a.example.org/']);
    expectRefused(any, ['https://localhost:8000/', 'http://localhost.evil.com:8000/', 'https://example.org:8443/', 'http://a.example.org/']);
  });

  it('says why a URL is refused and which origin a grant would name', () => {
    deepEqual(policy.check('https://evil.com/x?secret=1'), { allowed: false, reason: 'https://evil.com is not on the allow-list', origin: 'https://evil.com' });
    deepEqual(policy.check('http://u:p@127.0.0.1:8080/'), { allowed: false, reason: 'the URL carries a user name or password', origin: null });
    deepEqual(policy.check('ftp://api.example.com/'), { allowed: false, reason: 'the scheme ftp: is never allowed', origin: null });
    deepEqual(policy.check('https://cdn.example.com/'), { allowed: true });
    // an empty allow-list allows nothing
    expectRefused(new HttpAllowList([]), ['https://api.example.com/', 'http://127.0.0.1:8080/']);
  });
});
