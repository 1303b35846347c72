/**
 * Browser key-value stores: IndexedDB through idb-keyval, one database with one object store per
 * bucket (`kv:<store name>:<bucket>`, both URI-encoded), values kept as bytes. Asynchronous: an
 * instance granted it runs asynchronously (JSPI), the guest suspended while IndexedDB works.
 * Every write is a `readwrite` transaction with `durability: 'strict'`, and its call resolves once
 * the transaction has committed, so what a call wrote survives a reload (and a crash). Increment
 * and compare-and-swap read and write in one transaction, which IndexedDB runs alone among the
 * transactions on that store, in every tab of the origin.
 */
import { del, delMany, get, getMany, promisifyRequest, set, setMany, type UseStore } from 'idb-keyval';
import {
  addToCounter, counterBytes, type KeyPage, type KeyValueBucket, type KeyValueStore, sameBytes, type SwapResult,
} from '../core/host/key-value.js';

const OBJECT_STORE = 'kv';
/** databases one store keeps open; the least recently used beyond this are closed */
const MAX_OPEN = 64;

/** A compact copy (structured clone would keep a view's whole buffer). */
const own = (v: Uint8Array): Uint8Array => v.slice();

/** A value as read back: bytes, whatever a foreign writer left (refused otherwise). */
function asBytes(v: unknown, key: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (v instanceof Uint8Array) return v;
  throw new Error(`the value of ${JSON.stringify(key)} in IndexedDB is not bytes (written by something other than isowasm?)`);
}

interface OpenDb {
  readonly db: Promise<IDBDatabase>;
  readonly use: UseStore;
}

/** Opens database `dbName` with its one object store; writes are strictly durable. */
function openDb(dbName: string, forget: () => void): OpenDb {
  const request = indexedDB.open(dbName);
  request.onupgradeneeded = () => { request.result.createObjectStore(OBJECT_STORE); };
  const db = promisifyRequest(request).then((d) => {
    // another tab deleting or upgrading the database: let it, and open again next time
    d.onversionchange = () => {
      d.close();
      forget();
    };
    return d;
  });
  const use: UseStore = (mode, callback) => db.then((d) => callback(
    d.transaction(OBJECT_STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' }).objectStore(OBJECT_STORE),
  ));
  return { db, use };
}

/**
 * Reads `key` and, in the same transaction, writes what `decide` says; resolves with its result
 * once the transaction has committed. A `decide` that throws writes nothing.
 */
function readModifyWrite<T>(use: UseStore, key: string, decide: (current: Uint8Array | undefined) => { put?: Uint8Array; result: T }): Promise<T> {
  return use('readwrite', (os) => new Promise<T>((resolve, reject) => {
    const request = os.get(key);
    request.onerror = () => reject(request.error);
    // decided in the success event itself, while the transaction is still active
    request.onsuccess = () => {
      let d: { put?: Uint8Array; result: T };
      try {
        d = decide(asBytes(request.result, key));
      } catch (e) {
        reject(e);
        return;
      }
      if (d.put !== undefined) os.put(d.put, key);
      promisifyRequest(os.transaction).then(() => resolve(d.result), reject);
    };
  }));
}

class IdbBucket implements KeyValueBucket {
  readonly name: string;
  readonly #use: UseStore;

  constructor(name: string, use: UseStore) {
    this.name = name;
    this.#use = use;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return asBytes(await get(key, this.#use), key);
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return set(key, own(value), this.#use);
  }

  delete(key: string): Promise<void> {
    return del(key, this.#use);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#use('readonly', (os) => promisifyRequest(os.count(key)))) > 0;
  }

  async listKeys(cursor: string | undefined, limit: number): Promise<KeyPage> {
    const range = cursor === undefined ? undefined : IDBKeyRange.lowerBound(cursor, true);
    // one more than asked, to know whether another page follows
    const found = await this.#use('readonly', (os) => promisifyRequest(os.getAllKeys(range, limit + 1)));
    const keys = found.slice(0, limit).map(String);
    return { keys, cursor: found.length > limit ? keys[keys.length - 1] : undefined };
  }

  increment(key: string, delta: bigint): Promise<bigint> {
    return readModifyWrite(this.#use, key, (current) => {
      const n = addToCounter(current, delta, key);
      return { put: counterBytes(n), result: n };
    });
  }

  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<SwapResult> {
    const next = own(value);
    return readModifyWrite<SwapResult>(this.#use, key, (current) => (sameBytes(current, expected)
      ? { put: next, result: { swapped: true } }
      : { result: { swapped: false, current } }));
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    const values = await getMany([...keys], this.#use);
    return values.map((v, i) => asBytes(v, keys[i]!));
  }

  setMany(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    return setMany(entries.map(([k, v]) => [k, own(v)]), this.#use);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return delMany([...keys], this.#use);
  }
}

/**
 * A store in IndexedDB.
 *
 * @example
 * ```ts
 * const store: IndexedDbKeyValueStore = createIndexedDbKeyValue('my-app');
 * await (await store.open('notes')).set('a', new Uint8Array([1]));
 * ```
 */
export interface IndexedDbKeyValueStore extends KeyValueStore {
  readonly async: true;
  /** the name it was made with */
  readonly name: string;
  open(name: string): Promise<KeyValueBucket>;
  /** Closes the databases it holds open (pending writes still commit). */
  close(): Promise<void>;
}

/**
 * A key-value store persisted in IndexedDB (browsers and workers), surviving reloads: a call's
 * writes are committed before its promise resolves. Stores with the same `name` share their
 * buckets, across tabs too.
 *
 * @example
 * ```ts
 * import { createIndexedDbKeyValue } from 'isowasm/browser';
 * const store = createIndexedDbKeyValue('my-app');
 * const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { notes: store } } } });
 * ```
 */
export function createIndexedDbKeyValue(name: string): IndexedDbKeyValueStore {
  if (typeof name !== 'string' || name === '') throw new TypeError('createIndexedDbKeyValue(name): name must be a non-empty string');
  if (typeof indexedDB === 'undefined') throw new TypeError('createIndexedDbKeyValue: this environment has no IndexedDB');
  // bucket -> its database, most recently used last
  const open = new Map<string, OpenDb>();
  const close = (d: OpenDb): void => { void d.db.then((db) => db.close(), () => undefined); };
  /** The bucket's database, opened again if it was closed (too many open, another tab deleting it) or failed to open. */
  const dbOf = (bucket: string): OpenDb => {
    let d = open.get(bucket);
    if (d) open.delete(bucket);
    else {
      const created: OpenDb = openDb(`kv:${encodeURIComponent(name)}:${encodeURIComponent(bucket)}`, () => { if (open.get(bucket) === created) open.delete(bucket); });
      created.db.catch(() => { if (open.get(bucket) === created) open.delete(bucket); });
      d = created;
    }
    open.set(bucket, d);
    if (open.size > MAX_OPEN) {
      const [oldest, od] = open.entries().next().value!;
      open.delete(oldest);
      close(od);
    }
    return d;
  };
  return {
    async: true,
    name,
    async open(bucket: string): Promise<KeyValueBucket> {
      if (typeof bucket !== 'string') throw new TypeError('KeyValueStore.open(name): name must be a string');
      // opening failed (blocked, quota, private mode): the caller learns it here
      await dbOf(bucket).db;
      return new IdbBucket(bucket, (mode, callback) => dbOf(bucket).use(mode, callback));
    },
    async close(): Promise<void> {
      for (const d of open.values()) close(d);
      open.clear();
    },
  };
}
