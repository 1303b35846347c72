/**
 * The KeyValueStore contract: what backs `wasi:keyvalue` buckets. A store opens buckets by name;
 * a bucket maps string keys to byte values and offers the atomic operations the interface needs
 * (increment, compare-and-swap) and batches. isowasm's `wasi:keyvalue` host
 * (src/core/wasi/keyvalue.ts) checks every guest-controlled size against `KeyValueLimits` before it
 * calls a store, so a store only has to store.
 *
 * A store is synchronous (`async: false`: memory, SQLite; its methods return values, and an
 * instance granted it may stay synchronous) or asynchronous (`async: true`: IndexedDB, Redis; its
 * methods return promises, and an instance granted it runs asynchronously, the guest suspended
 * while the store works). Either way, what a call wrote is durable once the call has returned (or
 * its promise resolved).
 *
 * Counters: `increment` keeps a key's value as the decimal text of a signed 64-bit integer (what
 * Redis's INCRBY keeps), so `get` of a counter gives e.g. the bytes of `"42"`, and a value that is
 * not such text can't be incremented.
 */

/** A value now, or a promise of it (asynchronous stores). */
export type Awaitable<T> = T | Promise<T>;

/**
 * One page of a bucket's keys, and where the next page starts (`undefined`: no more keys).
 *
 * @example
 * ```ts
 * let page: KeyPage = await bucket.listKeys(undefined, 100);
 * while (page.cursor !== undefined) page = await bucket.listKeys(page.cursor, 100);
 * ```
 */
export interface KeyPage {
  readonly keys: readonly string[];
  /** opaque: hand it back to `listKeys` for the next page */
  readonly cursor: string | undefined;
}

/**
 * What a compare-and-swap did: swapped, or not, with the value the key holds now (which the guest
 * gets for its next try).
 *
 * @example
 * ```ts
 * const r: SwapResult = await bucket.compareAndSwap('n', old, next);
 * if (!r.swapped) console.log('someone else wrote', r.current);
 * ```
 */
export type SwapResult = { readonly swapped: true } | { readonly swapped: false; readonly current: Uint8Array | undefined };

/**
 * A bucket: a collection of key-value pairs of one store. Methods return values (synchronous
 * stores) or promises (asynchronous ones); `await` works on both.
 *
 * @example
 * ```ts
 * const notes: KeyValueBucket = await store.open('notes');
 * await notes.set('today', new TextEncoder().encode('buy milk'));
 * await notes.increment('visits', 1n); // 1n
 * ```
 */
export interface KeyValueBucket {
  /** the name it was opened with */
  readonly name: string;
  /** The value of `key`, or `undefined` when it has none. */
  get(key: string): Awaitable<Uint8Array | undefined>;
  /** Sets (or replaces) the value of `key`. */
  set(key: string, value: Uint8Array): Awaitable<void>;
  /** Removes `key`; nothing happens when it has no value. */
  delete(key: string): Awaitable<void>;
  exists(key: string): Awaitable<boolean>;
  /**
   * At most `limit` keys (a store may return fewer, even none with a cursor for more), in an
   * order of the store's choosing, starting where `cursor` (from the previous page) says. A key
   * present throughout a listing is given at least once.
   */
  listKeys(cursor: string | undefined, limit: number): Awaitable<KeyPage>;
  /**
   * Atomically adds `delta` to the counter at `key` (a missing key counts as 0) and returns the
   * new value; throws when the value is not a counter or the result leaves the signed 64-bit range.
   */
  increment(key: string, delta: bigint): Awaitable<bigint>;
  /**
   * Atomically sets `key` to `value` if it holds exactly `expected` (`undefined`: if it has no
   * value); otherwise changes nothing and reports what it holds.
   */
  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): Awaitable<SwapResult>;
  /** The values of `keys`, in order (`undefined` for a key without one). */
  getMany(keys: readonly string[]): Awaitable<(Uint8Array | undefined)[]>;
  /** Sets every pair (not atomically as a whole). */
  setMany(entries: readonly (readonly [string, Uint8Array])[]): Awaitable<void>;
  /** Removes every key (not atomically as a whole). */
  deleteMany(keys: readonly string[]): Awaitable<void>;
}

/**
 * A key-value store: opens buckets by name. Made by `createMemoryKeyValue()` (everywhere),
 * `createSqliteKeyValue(path)` and `createRedisKeyValue({ url })` (Node) and
 * `createIndexedDbKeyValue(name)` (browsers), or your own; grant its buckets with
 * `capabilities.kv = { buckets: { notes: store } }`.
 *
 * @example
 * ```ts
 * const store: KeyValueStore = createMemoryKeyValue();
 * const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { '*': store } } } });
 * ```
 */
export interface KeyValueStore {
  /** methods return promises: an instance granted this store runs asynchronously */
  readonly async: boolean;
  /** Opens (creating when needed) the bucket `name`. */
  open(name: string): Awaitable<KeyValueBucket>;
  /** Releases what the store holds open (connections, files); optional. */
  close?(): Awaitable<void>;
}

/**
 * Whether `v` looks like a `KeyValueStore` (an object with `open` and a boolean `async`).
 *
 * @example
 * ```ts
 * isKeyValueStore(createMemoryKeyValue()); // true
 * ```
 */
export function isKeyValueStore(v: unknown): v is KeyValueStore {
  return typeof v === 'object' && v !== null && typeof (v as KeyValueStore).open === 'function' && typeof (v as KeyValueStore).async === 'boolean';
}

/**
 * What a store throws for a refusal of its own (not a counter, out of range): the guest gets its
 * message as `error::other`.
 *
 * @example
 * ```ts
 * throw new KeyValueError('the value of "n" is not a decimal integer, so it can\'t be incremented');
 * ```
 */
export class KeyValueError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyValueError';
  }
}

/**
 * Bounds on what a guest may ask of a store, checked by the `wasi:keyvalue` host before a store
 * is called (a call over one gets `error::other` naming the limit).
 *
 * @example
 * ```ts
 * const kv = { buckets: { '*': store }, limits: { maxValueBytes: 1 << 20 } };
 * ```
 */
export interface KeyValueLimits {
  /** a key's UTF-8 length (default 4096) */
  readonly maxKeyBytes?: number;
  /** a bucket name's UTF-8 length (default 255) */
  readonly maxBucketNameBytes?: number;
  /** a value's length (default 16 MiB) */
  readonly maxValueBytes?: number;
  /** keys or pairs in one batch call (default 1000) */
  readonly maxBatch?: number;
  /** keys in one `list-keys` page (default 1000) */
  readonly listPageSize?: number;
  /** buckets one instance may hold open at once (default 1000) */
  readonly maxOpenBuckets?: number;
}

/**
 * The defaults of `KeyValueLimits`.
 *
 * @example
 * ```ts
 * DEFAULT_KEY_VALUE_LIMITS.maxValueBytes; // 16777216
 * ```
 */
export const DEFAULT_KEY_VALUE_LIMITS: Required<KeyValueLimits> = {
  maxKeyBytes: 4096,
  maxBucketNameBytes: 255,
  maxValueBytes: 16 * 1024 * 1024,
  maxBatch: 1000,
  listPageSize: 1000,
  maxOpenBuckets: 1000,
};

const utf8 = new TextEncoder();

/**
 * The decimal text a counter is kept as.
 *
 * @example
 * ```ts
 * counterBytes(42n); // the bytes of "42"
 * ```
 */
export function counterBytes(n: bigint): Uint8Array {
  return utf8.encode(n.toString());
}

const MIN_S64 = -(1n << 63n);
const MAX_S64 = (1n << 63n) - 1n;

/**
 * `current` (a counter's stored bytes, or undefined for 0) plus `delta`, as the increment of every
 * store computes it: refused when the value is not a decimal integer or the sum leaves s64.
 *
 * @example
 * ```ts
 * addToCounter(counterBytes(41n), 1n, 'n'); // 42n
 * ```
 */
export function addToCounter(current: Uint8Array | undefined, delta: bigint, key: string): bigint {
  let base = 0n;
  if (current !== undefined) {
    const text = current.length <= 20 ? String.fromCharCode(...current) : '';
    if (!/^-?[0-9]{1,19}$/.test(text)) throw new KeyValueError(`the value of ${JSON.stringify(key)} is not a decimal integer, so it can't be incremented`);
    base = BigInt(text);
    if (base < MIN_S64 || base > MAX_S64) throw new KeyValueError(`the value of ${JSON.stringify(key)} is outside the signed 64-bit range`);
  }
  const sum = base + delta;
  if (sum < MIN_S64 || sum > MAX_S64) throw new KeyValueError(`incrementing ${JSON.stringify(key)} by ${delta} would leave the signed 64-bit range`);
  return sum;
}

/**
 * Whether two values are the same bytes (`undefined` only equals `undefined`).
 *
 * @example
 * ```ts
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])); // true
 * ```
 */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
