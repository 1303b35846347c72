/**
 * `wasi:http/types#fields`: HTTP headers and trailers as the guest sees them, a list of
 * (name, bytes) pairs with the spec's rules: names are tokens (RFC 9110) compared without case,
 * values are bytes without control characters, some hop-by-hop names are forbidden, and fields
 * owned by a request or response are immutable.
 */

import { symbolDispose } from '../../dispose.js';

/** `wasi:http/types#header-error`, thrown as a `result` error. */
export type HeaderError = { tag: 'invalid-syntax' } | { tag: 'forbidden' } | { tag: 'immutable' };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Names a guest may not set: connection management belongs to the host's HTTP client (and
 * `fetch` sets them itself), as in wasmtime's default list.
 */
export const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'transfer-encoding', 'upgrade', 'http2-settings', 'host',
]);

/**
 * Whether `name` is a syntactically valid field name (an RFC 9110 token).
 *
 * @example
 * ```ts
 * validFieldName('x-request-id'); // true
 * validFieldName('bad name'); // false
 * ```
 */
export function validFieldName(name: unknown): name is string {
  return typeof name === 'string' && TOKEN.test(name);
}

/**
 * Whether `value` is a valid field value: bytes without control characters other than tab.
 *
 * @example
 * ```ts
 * validFieldValue(new TextEncoder().encode('a\r\nb')); // false
 * ```
 */
export function validFieldValue(value: unknown): value is Uint8Array {
  if (!(value instanceof Uint8Array)) return false;
  for (const b of value) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false;
  return true;
}

function checkValue(value: Uint8Array): Uint8Array {
  if (!validFieldValue(value)) throw { tag: 'invalid-syntax' } satisfies HeaderError;
  return value.slice();
}

let lock: (f: FieldStore) => FieldStore;
let adopt: <T extends FieldStore>(make: new () => T, entries: [string, Uint8Array][]) => T;
let pairsOf: (f: FieldStore) => [string, Uint8Array][];

/**
 * What `fields` of every version of wasi:http share: a list of (name, bytes) pairs, names kept in
 * lower case, validated and made immutable the same way. The WIT resource of each version is a
 * subclass naming its own methods (0.2's `entries`, 0.3's `copy-all`), so each version's `fields`
 * stays a resource type of its own.
 *
 * @example
 * ```ts
 * class MyFields extends FieldStore { pairs() { return this.entryList(); } }
 * ```
 */
export abstract class FieldStore {
  #entries: [string, Uint8Array][] = [];
  #immutable = false;
  /** bytes of names and values held (for `maxBytes`) */
  #bytes = 0;

  static {
    lock = (f) => {
      f.#immutable = true;
      return f;
    };
    adopt = (make, entries) => {
      const f = new make();
      f.#entries = entries;
      f.#bytes = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
      return f;
    };
    pairsOf = (f) => f.#entries.map(([n, v]) => [n, v.slice()]);
  }

  /**
   * Whether a guest may set this (lower-cased, valid) name: not the hop-by-hop ones of
   * `FORBIDDEN_FIELDS` (a subclass may refuse more).
   */
  protected forbids(lower: string): boolean {
    return FORBIDDEN_FIELDS.has(lower);
  }

  /** The most bytes of names and values a guest may put in one fields (none: no limit). */
  protected maxBytes(): number {
    return Infinity;
  }

  /** The error for a guest going over `maxBytes` (only a version whose header-error has a case for it sets a limit). */
  protected tooLarge(): unknown {
    return { tag: 'invalid-syntax' } satisfies HeaderError;
  }

  #checkName(name: string): string {
    if (!validFieldName(name)) throw { tag: 'invalid-syntax' } satisfies HeaderError;
    const lower = name.toLowerCase();
    if (this.forbids(lower)) throw { tag: 'forbidden' } satisfies HeaderError;
    return lower;
  }

  #fits(bytes: number): void {
    if (bytes > this.maxBytes()) throw this.tooLarge();
  }

  /** All values of a name (none for an invalid name). */
  get(name: string): Uint8Array[] {
    if (!validFieldName(name)) return [];
    const lower = name.toLowerCase();
    return this.#entries.filter(([n]) => n === lower).map(([, v]) => v.slice());
  }

  has(name: string): boolean {
    if (!validFieldName(name)) return false;
    const lower = name.toLowerCase();
    return this.#entries.some(([n]) => n === lower);
  }

  /** Replaces every value of a name. */
  set(name: string, values: Uint8Array[]): void {
    this.#mutable();
    const lower = this.#checkName(name);
    const copies = values.map(checkValue);
    const removed = this.#entries.reduce((n, [k, v]) => (k === lower ? n + k.length + v.length : n), 0);
    const bytes = this.#bytes - removed + copies.reduce((n, v) => n + lower.length + v.length, 0);
    this.#fits(bytes);
    // the new values take the place of the first old one, so the order of other names stays
    const at = this.#entries.findIndex(([n]) => n === lower);
    const rest = this.#entries.filter(([n]) => n !== lower);
    const insert = at < 0 ? rest.length : this.#entries.slice(0, at).filter(([n]) => n !== lower).length;
    rest.splice(insert, 0, ...copies.map((v): [string, Uint8Array] => [lower, v]));
    this.#entries = rest;
    this.#bytes = bytes;
  }

  delete(name: string): void {
    this.#mutable();
    const lower = this.#checkName(name);
    this.#entries = this.#entries.filter(([n, v]) => {
      if (n !== lower) return true;
      this.#bytes -= n.length + v.length;
      return false;
    });
  }

  append(name: string, value: Uint8Array): void {
    this.#mutable();
    const lower = this.#checkName(name);
    const copy = checkValue(value);
    this.#fits(this.#bytes + lower.length + copy.length);
    this.#entries.push([lower, copy]);
    this.#bytes += lower.length + copy.length;
  }

  /** Every pair, in order, names in lower case (copies). */
  protected entryList(): [string, Uint8Array][] {
    return pairsOf(this);
  }

  /** A mutable deep copy (also of immutable fields), of the same class. */
  clone(): this {
    return adopt(this.constructor as new () => this, this.entryList());
  }

  #mutable(): void {
    if (this.#immutable) throw { tag: 'immutable' } satisfies HeaderError;
  }

  [symbolDispose](): void {}
}

/**
 * `wasi:http/types#fields` of WASI 0.2 (also `headers` and `trailers`). Names are kept in lower case.
 *
 * @example
 * ```ts
 * const h = Fields.fromList([['content-type', new TextEncoder().encode('text/plain')]]);
 * h.append('x-tag', new TextEncoder().encode('a'));
 * h.get('Content-Type'); // [Uint8Array 'text/plain']
 * ```
 */
export class Fields extends FieldStore {
  /** Creates fields from a list of pairs; fails on invalid or forbidden names or values. */
  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new this();
    for (const [name, value] of entries) f.append(name, value);
    return f;
  }

  /** Every pair, in order, names in lower case. */
  entries(): [string, Uint8Array][] {
    return this.entryList();
  }
}

const forbidding = new WeakMap<object, Map<string, unknown>>();

/**
 * The fields class a guest sees when the host forbids more names than the hop-by-hop ones
 * (`capabilities.http.forbiddenHeaders`): constructing it (or `fromList`) makes fields that also
 * refuse `names` with `forbidden`, while every fields of `base` (the host's own, say) is still an
 * instance of it, so the resource type stays `base`'s in all but name. One class per list of
 * names, so instances with the same list share it.
 *
 * @example
 * ```ts
 * const GuestFields = forbiddingFields(Fields, ['x-internal-auth']);
 * new GuestFields().append('X-Internal-Auth', bytes); // throws { tag: 'forbidden' }
 * ```
 */
export function forbiddingFields<C extends abstract new () => FieldStore>(base: C, names: readonly string[]): C {
  if (!Array.isArray(names) || !names.every(validFieldName)) {
    throw new TypeError(`capabilities.http.forbiddenHeaders must be a list of header names, got ${JSON.stringify(names)}`);
  }
  const lower = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  if (lower.length === 0) return base;
  const key = lower.join(',');
  let byKey = forbidding.get(base);
  if (!byKey) forbidding.set(base, (byKey = new Map()));
  const known = byKey.get(key);
  if (known) return known as C;
  const extra = new Set(lower);
  const Concrete = base as unknown as new () => FieldStore;
  class Forbidding extends Concrete {
    protected override forbids(n: string): boolean {
      return extra.has(n) || super.forbids(n);
    }
  }
  const statics = Forbidding as unknown as Record<PropertyKey, unknown>;
  // `instanceof` reads the proxy's prototype, which is base's: the host's fields pass as the guest's
  const proxy = new Proxy(base, {
    construct: (_target, args) => Reflect.construct(Forbidding, args) as object,
    get: (target, p, receiver) => (p === 'fromList' && typeof statics[p] === 'function' ? (statics[p] as (...a: unknown[]) => unknown).bind(Forbidding) : Reflect.get(target, p, receiver)),
  });
  byKey.set(key, proxy);
  return proxy;
}

/**
 * Every pair of any version's fields, in order, names in lower case (for the host).
 *
 * @example
 * ```ts
 * for (const [name, value] of fieldPairs(headers)) out.append(name, toByteString(value));
 * ```
 */
export function fieldPairs(f: FieldStore): [string, Uint8Array][] {
  return pairsOf(f);
}

/**
 * Makes fields immutable (a request's or response's own headers), returning them.
 *
 * @example
 * ```ts
 * lockFields(fields).append('x', bytes); // throws { tag: 'immutable' }
 * ```
 */
export function lockFields<T extends FieldStore>(f: T): T {
  return lock(f) as T;
}

/**
 * The bytes of a header value as fetch gives it: a ByteString, one byte per character (a string
 * with wider characters, which a ByteString can't be, is taken as UTF-8).
 *
 * @example
 * ```ts
 * byteString('caf\u00e9'); // Uint8Array [0x63, 0x61, 0x66, 0xe9]
 * ```
 */
export function byteString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return new TextEncoder().encode(s);
    out[i] = c;
  }
  return out;
}

/**
 * The ByteString fetch takes for header value bytes (one character per byte).
 *
 * @example
 * ```ts
 * new Headers([['x-a', toByteString(fields.get('x-a')[0])]]);
 * ```
 */
export function toByteString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * Immutable fields from pairs the host received (a fetch `Headers`, say): names are lower-cased,
 * and pairs a guest could not have set are still carried, except invalid ones, which are dropped.
 *
 * @example
 * ```ts
 * const headers = receivedFields(headerPairs(response.headers));
 * ```
 */
export function receivedFields(pairs: Iterable<readonly [string, string | Uint8Array]>): Fields {
  return receivedFieldsOf(Fields, pairs);
}

/**
 * `receivedFields` as fields of a given version's class.
 *
 * @example
 * ```ts
 * const headers = receivedFieldsOf(P3Fields, headerPairs(response.headers));
 * ```
 */
export function receivedFieldsOf<T extends FieldStore>(make: new () => T, pairs: Iterable<readonly [string, string | Uint8Array]>): T {
  const entries: [string, Uint8Array][] = [];
  for (const [name, value] of pairs) {
    const bytes = typeof value === 'string' ? byteString(value) : value.slice();
    if (validFieldName(name) && validFieldValue(bytes)) entries.push([name.toLowerCase(), bytes]);
  }
  return lock(adopt(make, entries)) as T;
}

/**
 * The pairs of a fetch `Headers` object, with each `set-cookie` kept apart (Headers joins other
 * repeated names with `, `, which HTTP says means the same).
 *
 * @example
 * ```ts
 * headerPairs(new Headers([['set-cookie', 'a=1'], ['set-cookie', 'b=2']])); // [['set-cookie', 'a=1'], ['set-cookie', 'b=2']]
 * ```
 */
export function headerPairs(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of headers) if (name !== 'set-cookie') out.push([name, value]);
  const cookies = (headers as Headers & { getSetCookie?: () => string[] }).getSetCookie?.() ?? [];
  for (const c of cookies) out.push(['set-cookie', c]);
  return out;
}
