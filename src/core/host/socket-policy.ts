/**
 * The sockets allow-list: which `host:port` addresses an instance may connect to, bind to and
 * send datagrams to. Platform-neutral: IP literals are canonicalised with the WHATWG URL parser
 * (present everywhere), never with `node:net`.
 *
 * Entries are `host:port`:
 * - host: `*` (any address), a DNS name (`db.internal`, case-insensitive, one trailing dot
 *   ignored), `*.example.com` (names below example.com at any depth, never example.com itself),
 *   an IPv4 literal in dotted-quad form (`127.0.0.1`), or an IPv6 literal in brackets (`[::1]`).
 * - port: a number 0-65535, or `*` (any port).
 *
 * Sockets connect to IP addresses, never to names: a name entry allows an address only when the
 * guest resolved that name to that address through the granted `ip-name-lookup` (the caller
 * passes the names it saw resolve to the address). An IP address otherwise only matches an entry
 * naming exactly that address, or `*`. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is a
 * different literal from the IPv4 one (and wasi:sockets refuses it anyway).
 */

/** One parsed allow-list entry. */
export interface SocketPattern {
  /**
   * `any`: the host `*`; `name`: a DNS name; `suffix`: `*.` followed by `host`; `ip`: an IP
   * literal (IPv6 without brackets), canonical as `canonicalIp` gives it
   */
  readonly kind: 'any' | 'name' | 'suffix' | 'ip';
  /** lower-case name or canonical IP; `*` for `any` */
  readonly host: string;
  /** null: any port */
  readonly port: number | null;
  /** the entry as the user wrote it, for messages */
  readonly source: string;
}

/** What a check answers: allowed, or why not and which grant would allow it. */
export type SocketVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string; readonly grant: string };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/**
 * The canonical text of an IP literal (dotted quad for IPv4; lower-case, zero-compressed IPv6
 * without brackets, as the URL standard serialises it), or null if `text` is not one. Only the
 * plain dotted-quad IPv4 form is accepted (`0x7f.1` and `2130706433` are not IP literals here).
 *
 * @example
 * ```ts
 * canonicalIp('[0:0:0:0:0:0:0:1]'); // '::1'
 * canonicalIp('127.0.0.1'); // '127.0.0.1'
 * canonicalIp('localhost'); // null
 * ```
 */
export function canonicalIp(text: string): string | null {
  if (IPV4.test(text)) return text;
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // a zone (`%eth0`) names an interface of this host, not an address: never an allow-list entry
  if (!inner.includes(':') || !/^[0-9a-fA-F:.]+$/.test(inner)) return null;
  try {
    const host = new URL(`http://[${inner}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * The lower-case ASCII (IDNA) form of a DNS name without a trailing dot, or null if `text` is not
 * a DNS name (an IP literal is not one).
 *
 * @example
 * ```ts
 * canonicalName('DB.Internal.'); // 'db.internal'
 * canonicalName('bücher.example'); // 'xn--bcher-kva.example'
 * ```
 */
export function canonicalName(text: string): string | null {
  // only labels: no port, user, path or brackets for the URL parser to take apart, and no `%`,
  // which it would percent-decode (`a%41.com` is `aa.com`)
  if (text === '' || text.length > 254 || /[%*\s:@/?#\\[\]]/.test(text) || canonicalIp(text) !== null) return null;
  let host: string;
  try {
    const u = new URL(`http://${text}/`);
    if (u.username !== '' || u.password !== '' || u.port !== '' || u.pathname !== '/' || u.search !== '' || u.hash !== '') return null;
    host = u.hostname;
  } catch {
    return null;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  // the URL parser turns `1.2.3` and `0x7f.1` into IPv4 addresses: such text is not a name
  if (host.startsWith('[') || IPV4.test(host) || !NAME.test(host)) return null;
  return host;
}

/** `host:port` for messages and grants (IPv6 in brackets). */
export function formatHostPort(host: string, port: number | null): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${h}:${port === null ? '*' : String(port)}`;
}

/**
 * Parses one allow-list entry. Throws a TypeError saying what is wrong with a malformed entry.
 *
 * @example
 * ```ts
 * parseSocketPattern('DB.internal:5432'); // { kind: 'name', host: 'db.internal', port: 5432, source: 'DB.internal:5432' }
 * parseSocketPattern('[::1]:*'); // { kind: 'ip', host: '::1', port: null, source: '[::1]:*' }
 * ```
 */
export function parseSocketPattern(entry: string): SocketPattern {
  if (typeof entry !== 'string') throw new TypeError(`capabilities.sockets.allow entries must be strings, got ${typeof entry}`);
  const bad = (why: string): TypeError => new TypeError(`capabilities.sockets.allow: ${JSON.stringify(entry)} is not an address like '127.0.0.1:8080', 'example.com:443', '[::1]:80', '*:5432' or 'db.internal:*': ${why}`);
  const text = entry.trim();
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw bad('expected host:port');
  const hostText = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else throw bad('the port must be a number from 0 to 65535, or *');
  if (hostText === '*') return { kind: 'any', host: '*', port, source: entry };
  if (hostText.startsWith('[')) {
    if (!hostText.endsWith(']')) throw bad('an IPv6 address must be in brackets, as in [::1]:80');
    const ip = canonicalIp(hostText);
    if (ip === null || !ip.includes(':')) throw bad('the address in brackets is not an IPv6 address');
    return { kind: 'ip', host: ip, port, source: entry };
  }
  if (hostText.includes(':')) throw bad('an IPv6 address must be in brackets, as in [::1]:80');
  if (IPV4.test(hostText)) return { kind: 'ip', host: hostText, port, source: entry };
  if (/^[\d.]+$/.test(hostText) || /^0x/i.test(hostText)) throw bad('an IPv4 address must be four decimal numbers 0-255 without leading zeros');
  if (hostText.startsWith('*.')) {
    const suffix = canonicalName(hostText.slice(2));
    if (suffix === null || hostText.slice(2).includes('*')) throw bad('a wildcard may only be the first label, as in *.example.com:443');
    return { kind: 'suffix', host: suffix, port, source: entry };
  }
  if (hostText.includes('*')) throw bad('a wildcard is either the whole host (*:5432) or the first label (*.example.com:443)');
  const name = canonicalName(hostText);
  if (name === null) throw bad('the host is not a valid DNS name or IP address');
  return { kind: 'name', host: name, port, source: entry };
}

function nameMatches(p: SocketPattern, name: string): boolean {
  if (p.kind === 'name') return p.host === name;
  if (p.kind === 'suffix') return name.endsWith(`.${p.host}`) && name.length > p.host.length + 1;
  return false;
}

/**
 * A sockets allow-list.
 *
 * @example
 * ```ts
 * const list = new SocketAllowList(['127.0.0.1:8080', 'db.internal:*']);
 * list.checkAddress('127.0.0.1', 8080, []).allowed; // true
 * list.checkAddress('10.0.0.7', 5432, ['db.internal']).allowed; // true: the guest resolved db.internal to it
 * list.checkAddress('10.0.0.7', 5432, []).allowed; // false
 * list.checkLookup('evil.example').allowed; // false
 * ```
 */
export class SocketAllowList {
  readonly patterns: readonly SocketPattern[];

  constructor(allow: readonly string[]) {
    if (!Array.isArray(allow)) throw new TypeError('capabilities.sockets.allow must be an array of addresses like \'127.0.0.1:8080\'');
    this.patterns = allow.map(parseSocketPattern);
  }

  /** The grant that adds `entry` to this list's entries, for messages. */
  grantWith(entry: string): string {
    const list = [...this.patterns.map((p) => p.source), entry].map((s) => `'${s}'`).join(', ');
    return `capabilities.sockets = { allow: [${list}] }`;
  }

  /**
   * Whether the guest may look up `name` (any port): only names some entry could allow (or any
   * name under `*`), so that lookups can't carry data out to a DNS server of the guest's choosing.
   * IP literals need no lookup and are always answered.
   */
  checkLookup(name: string): SocketVerdict {
    if (canonicalIp(name) !== null) return { allowed: true };
    const n = canonicalName(name);
    if (n === null) return { allowed: false, reason: `${JSON.stringify(name)} is not a DNS name`, grant: 'no grant: only DNS names and IP addresses can be looked up' };
    if (this.patterns.some((p) => p.kind === 'any' || nameMatches(p, n))) return { allowed: true };
    return { allowed: false, reason: `${n} is not on the sockets allow-list`, grant: this.grantWith(`${n}:*`) };
  }

  /**
   * Whether the guest may use the address `ip` (an IP literal) and `port`; `names` are the DNS
   * names the guest resolved to this address through the granted lookup.
   */
  checkAddress(ip: string, port: number, names: Iterable<string>): SocketVerdict {
    const addr = canonicalIp(ip);
    if (addr === null) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address`, grant: 'no grant: sockets use IP addresses' };
    const resolved = [...names].map((n) => canonicalName(n)).filter((n): n is string => n !== null);
    const portOk = (p: SocketPattern): boolean => p.port === null || p.port === port;
    for (const p of this.patterns) {
      if (!portOk(p)) continue;
      if (p.kind === 'any') return { allowed: true };
      if (p.kind === 'ip' && p.host === addr) return { allowed: true };
      if (resolved.some((n) => nameMatches(p, n))) return { allowed: true };
    }
    const shown = formatHostPort(addr, port);
    const via = resolved.length > 0 ? ` (which the guest resolved from ${resolved.join(', ')})` : '';
    return {
      allowed: false,
      reason: `${shown}${via} is not on the sockets allow-list`,
      grant: this.grantWith(resolved.length > 0 ? formatHostPort(resolved[0]!, port) : shown),
    };
  }
}
