/**
 * `wasi:keyvalue` (store, atomics, batch) served from the `kv` grant, in both drafts toolchains
 * emit: `0.2.0-draft2` (the newest: string cursors, s64 increment, compare-and-swap) and
 * `0.2.0-draft` (u64 cursors and increment, no CAS). Deny by default: opening a bucket the grant
 * does not name (or any bucket, without the grant) fails with `access-denied` and reports the
 * refusal. Every size the guest controls (bucket name, key, value, batch length, open buckets and
 * CAS handles) is checked against the grant's limits before a store is called, and a bucket name
 * must be non-empty and free of control characters; a store's own
 * failure reaches the guest as `error::other` with its message.
 */
import { symbolDispose } from '../dispose.js';
import type { DenialReport } from '../host/capabilities.js';
import type { KeyValueBuckets } from '../host/grants.js';
import { type Awaitable, DEFAULT_KEY_VALUE_LIMITS, type KeyValueBucket, type KeyValueLimits, type KeyValueStore } from '../host/key-value.js';
import type { HostContext } from './context.js';
import { maySuspend } from './io.js';

/** `wasi:keyvalue/store#error`, as jco's bindings spell it. */
type StoreError = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string };

/** What a host function throws for its `result`'s error case. */
class ResultError extends Error {
  readonly payload: unknown;
  constructor(payload: unknown) {
    super('wasi:keyvalue error');
    this.payload = payload;
  }
}

const other = (message: string): ResultError => new ResultError({ tag: 'other', val: message } satisfies StoreError);

/** Any failure of a store call, as the guest's `error`: refusals keep their payload, the rest become `other`. */
function asStoreError(e: unknown): ResultError {
  if (e instanceof ResultError) return e;
  return other(e instanceof Error ? e.message : String(e));
}

function isPromise<T>(v: Awaitable<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** `f()`, then `then` on its value, with every failure (thrown or rejected) as a store error. */
function guarded<T, R>(f: () => Awaitable<T>, then: (v: T) => R, fail: (e: unknown) => never = (e) => { throw asStoreError(e); }): Awaitable<R> {
  let v: Awaitable<T>;
  try {
    v = f();
  } catch (e) {
    return fail(e);
  }
  if (isPromise(v)) return v.then(then, fail);
  return then(v);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    // a surrogate pair is 4 bytes, 2 per half
    else if (c >= 0xd800 && c < 0xe000) n += 2;
    else n += 3;
  }
  return n;
}

const DRAFT2 = '0.2.0-draft2';
const DRAFT = '0.2.0-draft';

/** Per instance: the limits, what is open, and how a refusal is reported. */
interface KvEnv {
  readonly kv: KeyValueBuckets | null;
  readonly limits: Required<KeyValueLimits>;
  readonly report: (d: DenialReport) => void;
  /** live buckets and CAS handles (dropped ones are disposed) */
  open: number;
}

function checkKey(env: KvEnv, key: string): void {
  // a UTF-16 unit is at most 3 UTF-8 bytes: count only keys that might be over
  if (key.length * 3 > env.limits.maxKeyBytes && utf8Length(key) > env.limits.maxKeyBytes) {
    throw other(`the key is longer than ${env.limits.maxKeyBytes} bytes (capabilities.kv.limits.maxKeyBytes)`);
  }
}

function checkValue(env: KvEnv, value: Uint8Array): void {
  if (value.length > env.limits.maxValueBytes) throw other(`the value is ${value.length} bytes, more than ${env.limits.maxValueBytes} (capabilities.kv.limits.maxValueBytes)`);
}

function checkBatch(env: KvEnv, n: number): void {
  if (n > env.limits.maxBatch) throw other(`the batch has ${n} entries, more than ${env.limits.maxBatch} (capabilities.kv.limits.maxBatch)`);
}

function holdOne(env: KvEnv): void {
  if (env.open >= env.limits.maxOpenBuckets) {
    throw other(`the instance holds ${env.open} buckets and CAS handles, the most it may (capabilities.kv.limits.maxOpenBuckets): drop some first`);
  }
  env.open++;
}

/** Builds the namespaces of one version (`draft2`: the newest). */
function versionNamespaces(version: string, env: KvEnv, ctx: HostContext): Record<string, unknown> {
  const draft2 = version === DRAFT2;

  class Bucket {
    readonly store: KeyValueBucket;
    #dropped = false;
    // draft: the guest's u64 cursors stand for the store's string cursors (the last few kept)
    readonly #cursors = new Map<bigint, string>();
    #nextCursor = 1n;

    constructor(store: KeyValueBucket) {
      this.store = store;
    }
    get(key: string): Awaitable<Uint8Array | undefined> {
      checkKey(env, key);
      return guarded(() => this.store.get(key), (v) => v);
    }
    set(key: string, value: Uint8Array): Awaitable<void> {
      checkKey(env, key);
      checkValue(env, value);
      return guarded(() => this.store.set(key, value), () => undefined);
    }
    delete(key: string): Awaitable<void> {
      checkKey(env, key);
      return guarded(() => this.store.delete(key), () => undefined);
    }
    exists(key: string): Awaitable<boolean> {
      checkKey(env, key);
      return guarded(() => this.store.exists(key), (v) => v === true);
    }
    [symbolDispose](): void {
      if (this.#dropped) return;
      this.#dropped = true;
      env.open--;
    }

    listKeys(cursor: string | bigint | undefined): Awaitable<{ keys: string[]; cursor: string | bigint | undefined }> {
      let from: string | undefined;
      if (draft2) {
        if (cursor !== undefined && (cursor as string).length > env.limits.maxKeyBytes + 64) throw other('the cursor is not one list-keys gave');
        from = cursor as string | undefined;
      } else if (cursor !== undefined && cursor !== 0n) {
        from = this.#cursors.get(cursor as bigint);
        if (from === undefined) throw other(`the cursor ${cursor} is not one list-keys gave (or is too old)`);
      }
      return guarded(() => this.store.listKeys(from, env.limits.listPageSize), (page) => {
        const keys = [...page.keys];
        if (draft2 || page.cursor === undefined) return { keys, cursor: page.cursor };
        const n = this.#nextCursor++;
        this.#cursors.set(n, page.cursor);
        if (this.#cursors.size > 16) this.#cursors.delete(this.#cursors.keys().next().value!);
        return { keys, cursor: n };
      });
    }
  }

  function open(identifier: string): Awaitable<Bucket> {
    if (utf8Length(identifier) > env.limits.maxBucketNameBytes) {
      throw other(`the bucket name is longer than ${env.limits.maxBucketNameBytes} bytes (capabilities.kv.limits.maxBucketNameBytes)`);
    }
    // names end up in database, file and Redis key names: no empty ones, no control characters
    if (identifier === '') throw other('the bucket name is empty: name a bucket');
    if (/[\u0000-\u001f\u007f]/.test(identifier)) throw other(`the bucket name ${JSON.stringify(identifier)} has a control character, which bucket names may not have`);
    const store: KeyValueStore | undefined = env.kv?.stores.get(identifier) ?? env.kv?.stores.get('*');
    if (!store) {
      env.report({
        capability: 'kv', interface: `wasi:keyvalue/store@${version}`, detail: `the guest opened the bucket ${JSON.stringify(identifier)}`,
        grant: `capabilities.kv = { buckets: { ${JSON.stringify(identifier)}: store } }  (CLI: --kv ${identifier}=PATH)`,
      });
      throw new ResultError({ tag: 'access-denied' } satisfies StoreError);
    }
    holdOne(env);
    return guarded(() => store.open(identifier), (b) => new Bucket(b), (e) => { env.open--; throw asStoreError(e); });
  }

  const bucketOf = (b: unknown): Bucket => {
    if (!(b instanceof Bucket)) throw new TypeError('wasi:keyvalue: not a bucket of this interface');
    return b;
  };

  function increment(bucket: Bucket, key: string, delta: bigint): Awaitable<bigint> {
    const b = bucketOf(bucket);
    checkKey(env, key);
    if (!draft2 && delta >= 1n << 63n) throw other(`the delta ${delta} is beyond the signed 64-bit range counters are kept in`);
    return guarded(() => b.store.increment(key, delta), (n) => {
      if (!draft2 && n < 0n) throw other(`the counter ${JSON.stringify(key)} is ${n}, which this interface's u64 can't carry`);
      return n;
    });
  }

  function getMany(bucket: Bucket, keys: string[]): Awaitable<([string, Uint8Array] | undefined)[]> {
    const b = bucketOf(bucket);
    checkBatch(env, keys.length);
    for (const k of keys) checkKey(env, k);
    return guarded(() => b.store.getMany(keys), (values) => keys.map((k, i) => (values[i] === undefined ? undefined : [k, values[i]!])));
  }

  function setMany(bucket: Bucket, keyValues: [string, Uint8Array][]): Awaitable<void> {
    const b = bucketOf(bucket);
    checkBatch(env, keyValues.length);
    for (const [k, v] of keyValues) {
      checkKey(env, k);
      checkValue(env, v);
    }
    return guarded(() => b.store.setMany(keyValues), () => undefined);
  }

  function deleteMany(bucket: Bucket, keys: string[]): Awaitable<void> {
    const b = bucketOf(bucket);
    checkBatch(env, keys.length);
    for (const k of keys) checkKey(env, k);
    return guarded(() => b.store.deleteMany(keys), () => undefined);
  }

  /** `atomics#cas` (draft2): the value of a key when the handle was made, for one swap. */
  class Cas {
    readonly bucket: Bucket;
    readonly key: string;
    readonly seen: Uint8Array | undefined;
    #dropped = false;
    constructor(bucket: Bucket, key: string, seen: Uint8Array | undefined) {
      this.bucket = bucket;
      this.key = key;
      this.seen = seen;
    }
    static new(bucket: Bucket, key: string): Awaitable<Cas> {
      const b = bucketOf(bucket);
      checkKey(env, key);
      holdOne(env);
      return guarded(() => b.store.get(key), (v) => new Cas(b, key, v), (e) => { env.open--; throw asStoreError(e); });
    }
    current(): Uint8Array | undefined {
      return this.seen?.slice();
    }
    [symbolDispose](): void {
      if (this.#dropped) return;
      this.#dropped = true;
      env.open--;
    }
  }

  function swap(cas: Cas, value: Uint8Array): Awaitable<void> {
    if (!(cas instanceof Cas)) throw new TypeError('wasi:keyvalue: not a CAS handle of this interface');
    // the guest gave up its handle: it no longer counts as open
    cas[symbolDispose]();
    checkValue(env, value);
    const storeError = (e: unknown): never => { throw new ResultError({ tag: 'store-error', val: asStoreError(e).payload }); };
    return guarded(() => cas.bucket.store.compareAndSwap(cas.key, cas.seen, value), (r) => {
      if (r.swapped) return undefined;
      // a fresh handle with what the key holds now, for the guest's next try
      try {
        holdOne(env);
      } catch (e) {
        storeError(e);
      }
      throw new ResultError({ tag: 'cas-failed', val: new Cas(cas.bucket, cas.key, r.current) });
    }, storeError);
  }

  if (ctx.async) {
    // stores may answer with promises: the guest suspends on these (JSPI)
    for (const m of ['get', 'set', 'delete', 'exists', 'listKeys'] as const) maySuspend(Bucket.prototype[m]);
    maySuspend(Cas.new);
  }
  const wrap = <F extends (...a: never[]) => unknown>(f: F): F => (ctx.async ? maySuspend(f) : f);
  const atomics: Record<string, unknown> = { increment: wrap(increment) };
  if (draft2) Object.assign(atomics, { Cas, swap: wrap(swap) });
  return {
    [`wasi:keyvalue/store@${version}`]: { open: wrap(open), Bucket },
    [`wasi:keyvalue/atomics@${version}`]: atomics,
    [`wasi:keyvalue/batch@${version}`]: { getMany: wrap(getMany), setMany: wrap(setMany), deleteMany: wrap(deleteMany) },
  };
}

/**
 * The `wasi:keyvalue` namespaces of one instance (both drafts), served from the resolved `kv`
 * grant; `null` (no grant) links them and refuses every `open` with `access-denied`.
 *
 * @example
 * ```ts
 * const ns = keyValueNamespaces(grants.kv, ctx);
 * const bucket = ns['wasi:keyvalue/store@0.2.0-draft2'].open('notes');
 * ```
 */
export function keyValueNamespaces(kv: KeyValueBuckets | null, ctx: HostContext): Record<string, any> {
  const env: KvEnv = { kv, limits: kv?.limits ?? DEFAULT_KEY_VALUE_LIMITS, report: ctx.report, open: 0 };
  return { ...versionNamespaces(DRAFT2, env, ctx), ...versionNamespaces(DRAFT, env, ctx) };
}
