/**
 * One shared suite for the KeyValueStore contract (src/core/host/key-value.ts), run on every
 * backend: memory (Node and Chromium), SQLite and Redis (Node), IndexedDB (Chromium). Like
 * unstorage's testDriver: a backend passes if it behaves exactly like the others. It checks the
 * contract directly, then through a guest (test/fixtures/kv-guest) using store, atomics and batch,
 * and the atomics under concurrent clients and instances (10 x 100 increments = 1000 exactly; 50
 * instances x 4 = 200), and invalid bucket names refused before a store sees them.
 */
import type { Capabilities, KeyValueBucket, KeyValueStore } from '../../src/core/index.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { fixtureComponent } from '../harness/fixtures.js';
import { platformValue } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

/** A store to test, made by a backend. */
export interface KeyValueUnderTest {
  readonly store: KeyValueStore;
  /**
   * Another store object over the same storage (another connection, file handle or database
   * object): persistent backends only. Concurrency is then tried across store objects too.
   */
  readonly reopen?: () => Promise<KeyValueStore>;
  /** Removes what the test created, closing what it opened. */
  readonly cleanup?: () => Promise<void> | void;
  /** Pages may repeat a key (Redis's HSCAN may, which wasi:keyvalue allows); every other store lists each key once. */
  readonly repeatsKeys?: boolean;
}

export type KeyValueFactory = () => Promise<KeyValueUnderTest>;

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : dec.decode(b));

let serial = 0;
/** A bucket name no other test uses (persistent backends keep what earlier runs wrote). */
const fresh = (what: string): string => `${what}-${Date.now().toString(36)}-${serial++}`;

/**
 * Every key of a bucket, page by page, sorted. A key a page repeats is counted once, unless
 * `once`: then a repeat fails the test (a cursor compared one off would repeat a key per page).
 */
async function allKeys(b: KeyValueBucket, limit: number, once = false): Promise<string[]> {
  const listed: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await b.listKeys(cursor, limit);
    listed.push(...page.keys);
    cursor = page.cursor;
    ok(++pages < 10_000, 'listKeys never ends');
  } while (cursor !== undefined);
  const seen = new Set(listed);
  if (once) equal(listed.length, seen.size, `${listed.length - seen.size} keys listed twice across pages of ${limit}`);
  return [...seen].sort();
}

/**
 * Runs the KeyValueStore contract suite on stores from `factory`.
 *
 * @example
 * ```ts
 * testKeyValue('memory', async () => ({ store: createMemoryKeyValue() }));
 * ```
 */
export function testKeyValue(name: string, factory: KeyValueFactory): void {
  const withStore = (fn: (u: KeyValueUnderTest) => Promise<void>) => async () => {
    const u = await factory();
    try {
      await fn(u);
    } finally {
      await u.cleanup?.();
    }
  };

  describe(`KeyValueStore contract: ${name}`, () => {
    it('get, set, overwrite, exists, delete; values are bytes, copied both ways', withStore(async ({ store }) => {
      const b = await store.open(fresh('basic'));
      equal(await b.get('missing'), undefined);
      equal(await b.exists('missing'), false);
      const all = new Uint8Array(256).map((_, i) => i);
      const given = all.slice();
      await b.set('bin', given);
      given[0] = 99;
      const got = (await b.get('bin'))!;
      deepEqual([...got], [...all]);
      got[1] = 99;
      deepEqual([...(await b.get('bin'))!], [...all]);
      await b.set('empty', new Uint8Array(0));
      equal((await b.get('empty'))?.length, 0);
      equal(await b.exists('empty'), true);
      await b.set('k', bytes('one'));
      await b.set('k', bytes('two'));
      equal(text(await b.get('k')), 'two');
      await b.delete('k');
      await b.delete('k');
      equal(await b.get('k'), undefined);
      equal(await b.exists('k'), false);
    }));

    it('keys are any Unicode text, long ones included; buckets keep apart', withStore(async ({ store }) => {
      const a = await store.open(fresh('a'));
      const b = await store.open(fresh('b'));
      const keys = ['', ' ', 'ä/ö', '日本', '🙂 emoji', 'a\u0000b', 'x'.repeat(4000), 'with:colon', '*'];
      for (const [i, k] of keys.entries()) await a.set(k, bytes(`v${i}`));
      for (const [i, k] of keys.entries()) equal(text(await a.get(k)), `v${i}`, `key ${JSON.stringify(k.slice(0, 20))}`);
      for (const k of keys) equal(await b.get(k), undefined);
      deepEqual(await allKeys(a, 1000), [...keys].sort());
      deepEqual(await allKeys(b, 1000), []);
      equal((await store.open(a.name)).name, a.name);
      equal(text(await (await store.open(a.name)).get('日本')), 'v3');
    }));

    it('lists every key once across pages, with an empty bucket giving no cursor', withStore(async ({ store, repeatsKeys }) => {
      const b = await store.open(fresh('list'));
      const first = await b.listKeys(undefined, 10);
      deepEqual([...first.keys], []);
      equal(first.cursor, undefined);
      const keys = Array.from({ length: 250 }, (_, i) => `key-${String(i).padStart(3, '0')}`);
      await b.setMany(keys.map((k) => [k, bytes(k)]));
      const once = repeatsKeys !== true;
      deepEqual(await allKeys(b, 7, once), keys);
      deepEqual(await allKeys(b, 100, once), keys);
      deepEqual(await allKeys(b, 1000, once), keys);
      // a page holds at most the limit
      let cursor: string | undefined;
      do {
        const page = await b.listKeys(cursor, 10);
        ok(page.keys.length <= 10, `a page of ${page.keys.length} keys for a limit of 10`);
        cursor = page.cursor;
      } while (cursor !== undefined);
    }));

    it('a listing gives every key present throughout it, while others add and remove keys', withStore(async ({ store }) => {
      const b = await store.open(fresh('churn'));
      const kept = Array.from({ length: 60 }, (_, i) => `kept-${String(i).padStart(2, '0')}`);
      await b.setMany(kept.map((k) => [k, bytes('1')]));
      const seen = new Set<string>();
      let cursor: string | undefined;
      let round = 0;
      do {
        const page = await b.listKeys(cursor, 7);
        for (const k of page.keys) seen.add(k);
        cursor = page.cursor;
        // between pages: keys come (before and after the cursor) and go
        await b.set(`aaa-${round}`, bytes('x'));
        await b.set(`zzz-${round}`, bytes('x'));
        if (round > 0) await b.delete(`zzz-${round - 1}`);
        round++;
      } while (cursor !== undefined);
      for (const k of kept) ok(seen.has(k), `${k} was listed`);
    }));

    it('increment: a missing key counts as 0, the value is decimal text, non-counters and s64 overflow are refused', withStore(async ({ store }) => {
      const b = await store.open(fresh('incr'));
      equal(await b.increment('n', 5n), 5n);
      equal(await b.increment('n', -7n), -2n);
      equal(text(await b.get('n')), '-2');
      await b.set('m', bytes('41'));
      equal(await b.increment('m', 1n), 42n);
      const max = (1n << 63n) - 1n;
      equal(await b.increment('big', max), max);
      await rejects(async () => b.increment('big', 1n));
      equal(text(await b.get('big')), max.toString());
      equal(await b.increment('small', -max - 1n), -max - 1n);
      await rejects(async () => b.increment('small', -1n));
      await b.set('word', bytes('hello'));
      await rejects(async () => b.increment('word', 1n));
      equal(text(await b.get('word')), 'hello');
    }));

    it('compare-and-swap: swaps only on the expected value (none meaning absent), else reports the current one', withStore(async ({ store }) => {
      const b = await store.open(fresh('cas'));
      deepEqual(await b.compareAndSwap('k', undefined, bytes('first')), { swapped: true });
      const lost = await b.compareAndSwap('k', undefined, bytes('second'));
      equal(lost.swapped, false);
      equal(text(lost.swapped ? undefined : lost.current), 'first');
      const wrong = await b.compareAndSwap('k', bytes('other'), bytes('second'));
      equal(wrong.swapped, false);
      equal(text(await b.get('k')), 'first');
      deepEqual(await b.compareAndSwap('k', bytes('first'), bytes('second')), { swapped: true });
      equal(text(await b.get('k')), 'second');
      await b.delete('k');
      const gone = await b.compareAndSwap('k', bytes('second'), bytes('third'));
      equal(gone.swapped, false);
      equal(gone.swapped ? 'x' : gone.current, undefined);
    }));

    it('getMany, setMany, deleteMany keep the order of keys and skip missing ones', withStore(async ({ store }) => {
      const b = await store.open(fresh('batch'));
      await b.setMany([['a', bytes('1')], ['b', bytes('2')], ['c', bytes('3')]]);
      deepEqual((await b.getMany(['c', 'missing', 'a'])).map(text), ['3', undefined, '1']);
      await b.deleteMany(['a', 'missing', 'c']);
      deepEqual((await b.getMany(['a', 'b', 'c'])).map(text), [undefined, '2', undefined]);
      deepEqual([...(await b.getMany([]))], []);
      await b.setMany([]);
      await b.deleteMany([]);
    }));

    it('10 clients x 100 increments give exactly 1000, and 10 CAS loops lose no append', withStore(async (u) => {
      const bucketName = fresh('race');
      // separate store objects (connections) where the backend has them, else one shared store
      const stores = [u.store, ...(u.reopen ? await Promise.all(Array.from({ length: 9 }, () => u.reopen!())) : [])];
      try {
        const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % stores.length]!.open(bucketName)));
        await Promise.all(clients.map(async (b) => {
          for (let i = 0; i < 100; i++) await b.increment('hits', 1n);
        }));
        equal(await clients[0]!.increment('hits', 0n), 1000n);
        await Promise.all(clients.map(async (b, i) => {
          for (let n = 0; n < 5; n++) {
            for (;;) {
              const cur = await b.get('log');
              const r = await b.compareAndSwap('log', cur, bytes(`${text(cur) ?? ''}${String.fromCharCode(97 + i)}`));
              if (r.swapped) break;
            }
          }
        }));
        const log = text(await clients[0]!.get('log'))!;
        equal(log.length, 50);
        for (let i = 0; i < 10; i++) equal(log.split(String.fromCharCode(97 + i)).length - 1, 5);
      } finally {
        for (const s of stores.slice(1)) await s.close?.();
      }
    }));

    it('a fresh store object over the same storage reads what was written', withStore(async (u) => {
      if (!u.reopen) return;
      const bucketName = fresh('persist');
      const b = await u.store.open(bucketName);
      await b.set('kept', bytes('yes'));
      await b.increment('count', 3n);
      const again = await u.reopen();
      try {
        const b2 = await again.open(bucketName);
        equal(text(await b2.get('kept')), 'yes');
        equal(await b2.increment('count', 1n), 4n);
      } finally {
        await again.close?.();
      }
    }));

    it('a guest uses store, atomics and batch; ungranted buckets are access-denied', withStore(async ({ store }) => {
      const component = await fixtureComponent('kv-guest');
      const bucket = fresh('guest');
      const denied: string[] = [];
      const caps: Capabilities = { kv: { buckets: { [bucket]: store } } };
      const { exports } = await component.instantiate({ platform: await platformValue(), capabilities: caps, onCapabilityDenied: (e) => denied.push(`${e.code}: ${e.message}`) });
      const api = exports['test:kvguest/api'];
      await api.put(bucket, 'hello', 'world');
      equal(await api.get(bucket, 'hello'), 'world');
      equal(await api.get(bucket, 'nothing'), undefined);
      equal(await api.increment(bucket, 'n', 2n, 10), 20n);
      equal(await api.casAppend(bucket, 'log', 'a'), 1);
      equal(await api.casAppend(bucket, 'log', 'b'), 1);
      equal(await api.get(bucket, 'log'), 'ab');
      await api.putMany(bucket, [['x', '1'], ['y', '2']]);
      deepEqual(await api.getMany(bucket, ['y', 'z', 'x']), ['2', undefined, '1']);
      await api.deleteMany(bucket, ['x']);
      deepEqual([...await api.keys(bucket)].sort(), ['hello', 'log', 'n', 'y']);
      equal(await api.remove(bucket, 'hello'), true);
      equal(await api.remove(bucket, 'hello'), false);
      // the host sees what the guest wrote
      equal(text(await (await store.open(bucket)).get('n')), '20');
      await rejects(async () => api.get('not-granted', 'k'), (e) => (e as { payload?: unknown }).payload === 'access-denied');
      equal(denied.length, 1);
      ok(denied[0]!.startsWith('CAPABILITY_DENIED') && denied[0]!.includes('capabilities.kv') && denied[0]!.includes('not-granted'), denied[0]);
    }));

    it('10 guest instances x 100 increments give exactly 1000', withStore(async (u) => {
      const component = await fixtureComponent('kv-guest');
      const bucket = fresh('instances');
      const platform = await platformValue();
      const stores = [u.store, ...(u.reopen ? await Promise.all(Array.from({ length: 4 }, () => u.reopen!())) : [])];
      try {
        const instances = await Promise.all(Array.from({ length: 10 }, (_, i) => component.instantiate({
          platform, capabilities: { kv: { buckets: { [bucket]: stores[i % stores.length]! } } },
        })));
        await Promise.all(instances.map(async ({ exports }) => {
          for (let i = 0; i < 100; i++) await exports['test:kvguest/api'].increment(bucket, 'hits', 1n, 1);
        }));
        equal(await instances[0]!.exports['test:kvguest/api'].increment(bucket, 'hits', 0n, 1), 1000n);
      } finally {
        for (const s of stores.slice(1)) await s.close?.();
      }
    }));

    it('50 guest instances x 4 increments, all at once, give exactly 200', withStore(async (u) => {
      const component = await fixtureComponent('kv-guest');
      const bucket = fresh('fifty');
      const platform = await platformValue();
      const stores = [u.store, ...(u.reopen ? await Promise.all(Array.from({ length: 4 }, () => u.reopen!())) : [])];
      try {
        const instances = await Promise.all(Array.from({ length: 50 }, (_, i) => component.instantiate({
          platform, capabilities: { kv: { buckets: { [bucket]: stores[i % stores.length]! } } },
        })));
        // every instance's 4 calls in flight together with the others' (one call each at a time)
        const results = await Promise.all(instances.map(async ({ exports }) => {
          const got: bigint[] = [];
          for (let i = 0; i < 4; i++) got.push(await exports['test:kvguest/api'].increment(bucket, 'hits', 1n, 1));
          return got;
        }));
        equal(await instances[0]!.exports['test:kvguest/api'].increment(bucket, 'hits', 0n, 1), 200n);
        // each increment saw its own new value: 1..200, none twice
        deepEqual(results.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
      } finally {
        for (const s of stores.slice(1)) await s.close?.();
      }
    }));

    it('a guest opening an invalid bucket name gets error::other saying why; the store is not asked', withStore(async ({ store }) => {
      const component = await fixtureComponent('kv-guest');
      const opened: string[] = [];
      const spy = { async: store.async, open: (name: string) => { opened.push(name); return store.open(name); } };
      const { exports } = await component.instantiate({
        platform: await platformValue(), capabilities: { kv: { buckets: { '*': spy }, limits: { maxBucketNameBytes: 16 } } },
      });
      const api = exports['test:kvguest/api'];
      const refused = async (name: string, why: RegExp): Promise<void> => {
        await rejects(async () => api.get(name, 'k'), (e) => {
          const p = (e as { payload?: unknown }).payload;
          return typeof p === 'string' && p.startsWith('other: ') && why.test(p);
        });
      };
      await refused('x'.repeat(17), /longer than 16 bytes.*maxBucketNameBytes/);
      await refused('ä'.repeat(9), /longer than 16 bytes/);
      await refused('', /empty/);
      await refused('a\u0000b', /control character/);
      await refused('line\nbreak', /control character/);
      deepEqual(opened, []);
      // a valid one right at the limit is served
      const ok16 = fresh('n').padEnd(16, 'x').slice(0, 16);
      await api.put(ok16, 'k', 'v');
      equal(await api.get(ok16, 'k'), 'v');
      deepEqual(opened, [ok16]);
    }));
  });
}
