/**
 * The parts of an HTTP request line every version of wasi:http shares: the `method` and `scheme`
 * variants, and the syntax checks of their setters (method, scheme, authority, path with query)
 * and of a declared Content-Length.
 */
import type { FieldStore } from './fields.js';

/** `wasi:http/types#method`. */
export type Method = { tag: 'get' | 'head' | 'post' | 'put' | 'delete' | 'connect' | 'options' | 'trace' | 'patch' } | { tag: 'other'; val: string };
/** `wasi:http/types#scheme`. */
export type Scheme = { tag: 'HTTP' } | { tag: 'HTTPS' } | { tag: 'other'; val: string };
/** A `result` nested inside another value, as jco passes it. */
export type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'] as const;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The method's name on the wire (`GET`, or an `other` method as given).
 *
 * @example
 * ```ts
 * methodName({ tag: 'patch' }); // 'PATCH'
 * ```
 */
export function methodName(m: Method): string {
  return m.tag === 'other' ? m.val : m.tag.toUpperCase();
}

/**
 * The `method` variant for a method name.
 *
 * @example
 * ```ts
 * methodOf('GET'); // { tag: 'get' }
 * methodOf('PURGE'); // { tag: 'other', val: 'PURGE' }
 * ```
 */
export function methodOf(name: string): Method {
  const lower = name.toLowerCase() as (typeof METHODS)[number];
  return METHODS.includes(lower) && name === name.toUpperCase() ? { tag: lower } : { tag: 'other', val: name };
}

/**
 * Whether `m` is a `method` a guest may set (an `other` method must be a token).
 *
 * @example
 * ```ts
 * validMethod({ tag: 'other', val: 'bad method' }); // false
 * ```
 */
export function validMethod(m: unknown): m is Method {
  if (typeof m !== 'object' || m === null) return false;
  const { tag, val } = m as { tag?: unknown; val?: unknown };
  if (tag === 'other') return typeof val === 'string' && TOKEN.test(val);
  return (METHODS as readonly unknown[]).includes(tag);
}

/**
 * Whether `s` is a `scheme` (or none) a guest may set: an `other` scheme must be URI scheme syntax.
 *
 * @example
 * ```ts
 * validScheme({ tag: 'other', val: 'bad\nscheme' }); // false
 * ```
 */
export function validScheme(s: unknown): s is Scheme | undefined {
  if (s === undefined) return true;
  if (typeof s !== 'object' || s === null) return false;
  const { tag, val } = s as { tag?: unknown; val?: unknown };
  if (tag === 'other') return typeof val === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(val);
  return tag === 'HTTP' || tag === 'HTTPS';
}

/**
 * Whether `a` is an authority (or none) made of RFC 3986 authority characters (userinfo is
 * syntactically valid; the allow-list refuses it).
 *
 * @example
 * ```ts
 * validAuthority('api.example.com:8443'); // true
 * ```
 */
export function validAuthority(a: unknown): a is string | undefined {
  return a === undefined || (typeof a === 'string' && /^[A-Za-z0-9\-._~!$&'()*+,;=:@%[\]]*$/.test(a));
}

/**
 * `validAuthority`, and the shape of one: `[userinfo@]host[:port]`, where host is a name or a
 * bracketed IPv6 address and the port a number up to 65535 (WASI 0.3 refuses `host:99999` and
 * `a:80:80` at `set-authority`, as wasmtime does).
 *
 * @example
 * ```ts
 * validAuthorityShape('[::1]:443'); // true
 * validAuthorityShape('bad-port:99999'); // false
 * ```
 */
export function validAuthorityShape(a: unknown): a is string | undefined {
  if (!validAuthority(a)) return false;
  if (a === undefined) return true;
  const hostPort = a.slice(a.lastIndexOf('@') + 1);
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]@]*)(?::(\d*))?$/.exec(hostPort);
  if (!m) return false;
  const port = m[2];
  return port === undefined || port === '' || (port.length <= 5 && Number(port) <= 65535);
}

/**
 * Whether `p` is a path with query (or none) a guest may set: empty, `*`, or starting with `/`
 * or `?`, without controls, spaces or `#`.
 *
 * @example
 * ```ts
 * validPathWithQuery('/bad\npath'); // false
 * ```
 */
export function validPathWithQuery(p: unknown): p is string | undefined {
  if (p === undefined) return true;
  if (typeof p !== 'string') return false;
  if (p !== '' && p !== '*' && !p.startsWith('/') && !p.startsWith('?')) return false;
  return !/[\u0000-\u0020\u007f#]/.test(p);
}

/**
 * The Content-Length a guest declared in its fields, if any (an invalid one: null too; fetch rejects it).
 *
 * @example
 * ```ts
 * declaredLength(Fields.fromList([['content-length', new TextEncoder().encode('11')]])); // 11n
 * ```
 */
export function declaredLength(headers: FieldStore): bigint | null {
  const values = headers.get('content-length');
  if (values.length !== 1) return null;
  const text = new TextDecoder().decode(values[0]);
  return /^\d{1,15}$/.test(text) ? BigInt(text) : null;
}
