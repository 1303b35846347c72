/**
 * An in-memory key-value store: buckets of JS maps, synchronous, in every environment. What it
 * holds lives as long as the store object (share one store between instances to share state).
 */
import {
  addToCounter, counterBytes, KeyValueError, type KeyPage, type KeyValueBucket, type KeyValueStore, sameBytes, type SwapResult,
} from '../key-value.js';

/**
 * A synchronous bucket: the `KeyValueBucket` contract with plain return values.
 *
 * @example
 * ```ts
 * const b: SyncKeyValueBucket = createMemoryKeyValue().open('notes');
 * b.set('a', new Uint8Array([1]));
 * b.get('a'); // Uint8Array [1]
 * ```
 */
export interface SyncKeyValueBucket extends KeyValueBucket {
  get(key: string): Uint8Array | undefined;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
  exists(key: string): boolean;
  listKeys(cursor: string | undefined, limit: number): KeyPage;
  increment(key: string, delta: bigint): bigint;
  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): SwapResult;
  getMany(keys: readonly string[]): (Uint8Array | undefined)[];
  setMany(entries: readonly (readonly [string, Uint8Array])[]): void;
  deleteMany(keys: readonly string[]): void;
}

/**
 * A synchronous store (memory, SQLite): an instance granted only such stores may stay synchronous.
 *
 * @example
 * ```ts
 * const store: SyncKeyValueStore = createMemoryKeyValue();
 * store.open('counts').increment('visits', 1n); // 1n
 * ```
 */
export interface SyncKeyValueStore extends KeyValueStore {
  readonly async: false;
  open(name: string): SyncKeyValueBucket;
  close?(): void;
}

/**
 * Options of `createMemoryKeyValue`.
 *
 * @example
 * ```ts
 * createMemoryKeyValue({ maxBytes: 16 * 1024 * 1024 });
 * ```
 */
export interface MemoryKeyValueOptions {
  /**
   * The most the store may hold, keys (2 bytes a UTF-16 unit) and values counted, across its
   * buckets (default 256 MiB): a write beyond it fails (the guest gets `error::other`) instead of
   * exhausting the host's memory.
   */
  readonly maxBytes?: number;
}

/** What a store holds, shared by its buckets. */
interface Usage {
  bytes: number;
  readonly max: number;
}

const entrySize = (key: string, value: Uint8Array): number => key.length * 2 + value.length + 32;

class MemoryBucket implements SyncKeyValueBucket {
  readonly name: string;
  readonly #map = new Map<string, Uint8Array>();
  readonly #usage: Usage;
  /** the keys in order, made when a listing needs them and dropped when a key comes or goes */
  #sorted: string[] | null = null;

  constructor(name: string, usage: Usage) {
    this.name = name;
    this.#usage = usage;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.#map.get(key);
    // a copy: the caller may change what it got without changing the store
    return v === undefined ? undefined : v.slice();
  }

  set(key: string, value: Uint8Array): void {
    this.#put(key, value.slice());
  }

  delete(key: string): void {
    const old = this.#map.get(key);
    if (old === undefined) return;
    this.#map.delete(key);
    this.#usage.bytes -= entrySize(key, old);
    this.#sorted = null;
  }

  #put(key: string, value: Uint8Array): void {
    const old = this.#map.get(key);
    const bytes = this.#usage.bytes - (old === undefined ? 0 : entrySize(key, old)) + entrySize(key, value);
    if (bytes > this.#usage.max) throw new KeyValueError(`the memory store is full: it holds at most ${this.#usage.max} bytes (createMemoryKeyValue({ maxBytes }))`);
    this.#usage.bytes = bytes;
    if (old === undefined) this.#sorted = null;
    this.#map.set(key, value);
  }

  exists(key: string): boolean {
    return this.#map.has(key);
  }

  listKeys(cursor: string | undefined, limit: number): KeyPage {
    // keys in code-unit order after the cursor: pages stay complete while others write
    const sorted = (this.#sorted ??= [...this.#map.keys()].sort());
    let lo = 0;
    if (cursor !== undefined) {
      // the first key after the cursor
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! <= cursor) lo = mid + 1;
        else hi = mid;
      }
    }
    const keys = sorted.slice(lo, lo + limit);
    return { keys, cursor: lo + limit < sorted.length ? keys[keys.length - 1] : undefined };
  }

  increment(key: string, delta: bigint): bigint {
    const n = addToCounter(this.#map.get(key), delta, key);
    this.#put(key, counterBytes(n));
    return n;
  }

  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): SwapResult {
    const current = this.#map.get(key);
    if (!sameBytes(current, expected)) return { swapped: false, current: current?.slice() };
    this.#put(key, value.slice());
    return { swapped: true };
  }

  getMany(keys: readonly string[]): (Uint8Array | undefined)[] {
    return keys.map((k) => this.get(k));
  }

  setMany(entries: readonly (readonly [string, Uint8Array])[]): void {
    for (const [k, v] of entries) this.set(k, v);
  }

  deleteMany(keys: readonly string[]): void {
    for (const k of keys) this.delete(k);
  }
}

/**
 * A key-value store in memory (every platform): synchronous, shared by every instance granted it,
 * gone with the store object, holding at most `maxBytes` (256 MiB).
 *
 * @example
 * ```ts
 * import { createMemoryKeyValue } from 'isowasm';
 * const store = createMemoryKeyValue();
 * await component.instantiate({ capabilities: { kv: { buckets: { cache: store } } } });
 * store.open('cache').get('greeting'); // what the guest stored
 * ```
 */
export function createMemoryKeyValue(options: MemoryKeyValueOptions = {}): SyncKeyValueStore {
  const max = options.maxBytes ?? 256 * 1024 * 1024;
  if (typeof max !== 'number' || !(max >= 0)) throw new TypeError('createMemoryKeyValue: maxBytes must be a non-negative number');
  const usage: Usage = { bytes: 0, max };
  const buckets = new Map<string, MemoryBucket>();
  return {
    async: false,
    open(name: string): SyncKeyValueBucket {
      if (typeof name !== 'string') throw new TypeError('KeyValueStore.open(name): name must be a string');
      let b = buckets.get(name);
      if (!b) {
        b = new MemoryBucket(name, usage);
        buckets.set(name, b);
      }
      return b;
    },
  };
}
