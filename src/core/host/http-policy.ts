/**
 * The outgoing-HTTP allow-list: which origins (scheme, host, port) an instance may reach.
 *
 * Matching is done on URLs parsed by the WHATWG URL parser, the same parser `fetch` uses, so
 * what is checked is exactly where the connection would go: host names are lower-cased and
 * IDNA-encoded, IPv4 literals in any spelling (`2130706433`, `0x7f.1`) become dotted quads, IPv6
 * literals are compressed, default ports are dropped. On top of that:
 * - `*.example.com` matches names below example.com at any depth, never example.com itself and
 *   never an IP literal; a wildcard is only accepted on a DNS name.
 * - an IP literal only matches an entry with exactly that IP (an IPv4-mapped IPv6 address is a
 *   different literal, so it does not match the IPv4 entry).
 * - one trailing dot is ignored (`example.com.` is the same DNS name as `example.com`).
 * - a URL with userinfo never matches: `http://allowed.com@evil.com` goes to evil.com, and a
 *   request that carries credentials in its URL is refused even to an allowed host.
 * - only `http:` and `https:` are ever allowed; the port must match exactly (default ports
 *   count), unless the entry says `:*`.
 */

/** One parsed allow-list entry. */
export interface OriginPattern {
  readonly scheme: 'http:' | 'https:';
  /** lower-case host without a trailing dot; IPv6 in brackets; for wildcards, the suffix after `*.` */
  readonly host: string;
  readonly wildcard: boolean;
  /** null: any port */
  readonly port: number | null;
  /** the entry as the user wrote it, for messages */
  readonly source: string;
}

const DEFAULT_PORTS = { 'http:': 80, 'https:': 443 } as const;

/**
 * Whether a host (as `URL.hostname` gives it) is an IP literal rather than a DNS name.
 *
 * @example
 * ```ts
 * isIpLiteral(new URL('http://2130706433/').hostname); // true ('127.0.0.1')
 * ```
 */
export function isIpLiteral(hostname: string): boolean {
  // the URL parser turns every IPv4 spelling into a dotted quad and keeps IPv6 in brackets
  return hostname.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

function stripDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function effectivePort(url: URL): number {
  return url.port === '' ? DEFAULT_PORTS[url.protocol as keyof typeof DEFAULT_PORTS] : Number(url.port);
}

/**
 * Parses one allow-list entry: `scheme://host[:port]`, where host may start with `*.` and port
 * may be `*`. Throws a TypeError saying what is wrong with a malformed entry.
 *
 * @example
 * ```ts
 * parseOriginPattern('https://*.example.com'); // { scheme: 'https:', host: 'example.com', wildcard: true, port: 443, ... }
 * ```
 */
export function parseOriginPattern(entry: string): OriginPattern {
  if (typeof entry !== 'string') throw new TypeError(`capabilities.http.allow entries must be strings, got ${typeof entry}`);
  const bad = (why: string): TypeError => new TypeError(`capabilities.http.allow: ${JSON.stringify(entry)} is not an origin like 'https://api.example.com', 'https://*.example.com' or 'http://127.0.0.1:8080': ${why}`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\*\.)?([^/?#]*?)(:\*)?\/?$/.exec(entry.trim());
  if (!m) throw bad('expected scheme://host[:port] with nothing after it');
  const scheme = `${m[1]!.toLowerCase()}:`;
  if (scheme !== 'http:' && scheme !== 'https:') throw bad('only http and https can be allowed');
  const wildcard = m[2] !== undefined;
  const anyPort = m[4] !== undefined;
  const rest = m[3]!;
  if (rest === '' || rest.includes('*')) throw bad('a wildcard may only be the first label, as in https://*.example.com');
  if (rest.includes('@')) throw bad('an origin has no user name or password');
  let url: URL;
  try {
    url = new URL(`${scheme}//${rest}`);
  } catch {
    throw bad('the host is not valid');
  }
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') throw bad('expected only a scheme, a host and a port');
  if (anyPort && url.port !== '') throw bad('give either a port or :*, not both');
  const host = isIpLiteral(url.hostname) ? url.hostname : stripDot(url.hostname);
  // URL parsers differ at the edges (Chromium's percent-encodes a space or `*` in a host where
  // the standard one refuses it): an entry's host must be plain DNS labels or an IP literal
  if (!isIpLiteral(host) && !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host)) throw bad('the host is not a valid DNS name or IP address');
  // `*.1.2.3` would parse as an IPv4 address: wildcards are for DNS names only
  if (wildcard && isIpLiteral(url.hostname)) throw bad('a wildcard can only stand for DNS labels, never part of an IP address');
  return { scheme, host, wildcard, port: anyPort ? null : effectivePort(url), source: entry };
}

/** Whether one pattern allows a parsed URL. */
function patternAllows(p: OriginPattern, url: URL): boolean {
  if (url.protocol !== p.scheme) return false;
  if (p.port !== null && effectivePort(url) !== p.port) return false;
  const ip = isIpLiteral(url.hostname);
  if (p.wildcard) {
    if (ip) return false;
    const host = stripDot(url.hostname);
    return host.endsWith(`.${p.host}`) && host.length > p.host.length + 1;
  }
  return (ip ? url.hostname : stripDot(url.hostname)) === p.host;
}

/**
 * An outgoing-HTTP allow-list. `check` answers for a URL and, when refused, says why and which
 * entry would allow it.
 *
 * @example
 * ```ts
 * const policy = new HttpAllowList(['https://api.example.com', 'https://*.example.com', 'http://127.0.0.1:8080']);
 * policy.allows('https://cdn.example.com/x.js'); // true
 * policy.allows('http://127.0.0.1.evil.com:8080/'); // false
 * ```
 */
export class HttpAllowList {
  readonly patterns: readonly OriginPattern[];

  constructor(allow: readonly string[]) {
    if (!Array.isArray(allow)) throw new TypeError('capabilities.http.allow must be an array of origins like \'https://api.example.com\'');
    this.patterns = allow.map(parseOriginPattern);
  }

  /** Whether a request to this URL may be made (a string that is not an absolute URL: no). */
  allows(url: string | URL): boolean {
    return this.check(url).allowed;
  }

  /** The verdict for a URL; when refused, the origin a grant would have to name. */
  check(url: string | URL): { allowed: true } | { allowed: false; reason: string; origin: string | null } {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return { allowed: false, reason: 'it is not an absolute URL', origin: null };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { allowed: false, reason: `the scheme ${u.protocol} is never allowed`, origin: null };
    if (u.username !== '' || u.password !== '') return { allowed: false, reason: 'the URL carries a user name or password', origin: null };
    if (this.patterns.some((p) => patternAllows(p, u))) return { allowed: true };
    return { allowed: false, reason: `${u.origin} is not on the allow-list`, origin: u.origin };
  }
}
