/**
 * isowasm's `wasi:keyvalue` host itself (Node and Chromium): the kv guest beside jco's bindings of
 * it over the same host (differential), the earlier draft's names (u64 cursors and increment),
 * every bound a guest controls, the grant's checks, and refusals without a grant.
 */
import type { Capabilities, KeyValueStore } from '../../src/core/index.js';
import type { DenialReport } from '../../src/core/host/capabilities.js';
import { resolveGrants } from '../../src/core/host/grants.js';
import { createMemoryKeyValue } from '../../src/core/host/key-values/memory.js';
import { symbolDispose } from '../../src/core/dispose.js';
import { keyValueNamespaces } from '../../src/core/wasi/keyvalue.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { fixtureComponent, jcoInstantiate } from '../harness/fixtures.js';
import { platformValue } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One instance's wasi:keyvalue namespaces from `caps`, with its denials collected. */
function host(caps: Capabilities, denied: DenialReport[] = []): Record<string, any> {
  const grants = resolveGrants(caps, { name: 'test' });
  return keyValueNamespaces(grants.kv, { async: false, report: (d) => denied.push(d), afterCall: () => {} });
}

/** The payload a host function threw for its result's error case. */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    ok(typeof e === 'object' && e !== null && 'payload' in e, `expected a result error, got ${String(e)}`);
    return (e as { payload: unknown }).payload;
  }
  throw new Error('expected a result error, but the call returned');
}

const D2 = '@0.2.0-draft2';
const D1 = '@0.2.0-draft';

/** What the guest is asked to do, the same for isowasm and jco. */
async function script(api: Record<string, (...a: any[]) => any>): Promise<unknown[]> {
  const out: unknown[] = [];
  const step = async (f: () => unknown): Promise<void> => {
    try {
      out.push(await f());
    } catch (e) {
      out.push(`error: ${String((e as { payload?: unknown }).payload ?? e)}`);
    }
  };
  await step(() => api.put!('b', 'hello', 'wörld 🙂'));
  await step(() => api.get!('b', 'hello'));
  await step(() => api.get!('b', 'missing'));
  // (a positive delta: componentize-js guests trap on a negative s64 argument of their own
  // exports, under jco and isowasm alike, before they call the host)
  await step(() => api.increment!('b', 'n', 3n, 4));
  await step(() => api.casAppend!('b', 'log', 'ab'));
  await step(() => api.casAppend!('b', 'log', 'cd'));
  await step(() => api.putMany!('b', [['x', '1'], ['y', '2'], ['z', '3']]));
  await step(() => api.getMany!('b', ['z', 'nope', 'x']));
  await step(() => api.deleteMany!('b', ['x', 'nope']));
  await step(() => api.keys!('b'));
  await step(() => api.remove!('b', 'y'));
  await step(() => api.put!('b', 'hello', 'x'.repeat(100)));
  await step(() => api.get!('denied', 'k'));
  await step(() => api.put!('b', 'k'.repeat(5000), 'long key'));
  await step(() => api.increment!('b', 'hello', 1n, 1));
  return out;
}

describe('wasi:keyvalue host', () => {
  it('the kv guest does the same through isowasm and through jco\'s bindings over the same host', async () => {
    const component = await fixtureComponent('kv-guest');
    const mine = createMemoryKeyValue();
    const theirs = createMemoryKeyValue();
    const caps = (store: KeyValueStore): Capabilities => ({ kv: { buckets: { b: store } } });
    const { exports } = await component.instantiate({ platform: await platformValue(), capabilities: caps(mine), onCapabilityDenied: () => {} });
    // jco's bindings look interfaces up without their version
    const served = Object.entries(host(caps(theirs))).filter(([k]) => k.endsWith(D2)).map(([k, v]) => [k.slice(0, -D2.length), v]);
    const jco = await jcoInstantiate('fixtures/kv-guest', Object.fromEntries(served));
    const a = await script(exports['test:kvguest/api']);
    const b = await script(jco['test:kvguest/api']);
    deepEqual(a, b);
    equal(a[1], 'wörld 🙂');
    equal(a[3], 12n);
    equal(a[12], 'error: access-denied');
    ok(String(a[13]).startsWith('error: other: the key is longer than 4096 bytes'), String(a[13]));
    ok(String(a[14]).includes('not a decimal integer'), String(a[14]));
    const keys = (s: KeyValueStore) => (s.open('b') as ReturnType<ReturnType<typeof createMemoryKeyValue>['open']>).listKeys(undefined, 100).keys;
    deepEqual(keys(mine), keys(theirs));
  });

  it('serves the earlier draft (0.2.0-draft): u64 cursors standing for the store\'s, u64 increment, no CAS', () => {
    const ns = host({ kv: { buckets: { '*': createMemoryKeyValue() }, limits: { listPageSize: 3 } } });
    const store = ns[`wasi:keyvalue/store${D1}`];
    const b = store.open('old');
    for (let i = 0; i < 8; i++) b.set(`k${i}`, enc.encode(String(i)));
    const seen: string[] = [];
    let cursor: bigint | undefined;
    do {
      const page = b.listKeys(cursor);
      ok(page.cursor === undefined || typeof page.cursor === 'bigint');
      seen.push(...page.keys);
      cursor = page.cursor;
    } while (cursor !== undefined);
    deepEqual(seen.sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    ok(String((errorOf(() => b.listKeys(999n)) as { val: string }).val).includes('not one list-keys gave'));
    const atomics = ns[`wasi:keyvalue/atomics${D1}`];
    equal(atomics.increment(b, 'n', 5n), 5n);
    equal((errorOf(() => atomics.increment(b, 'n', 1n << 63n)) as { tag: string }).tag, 'other');
    equal(atomics.Cas, undefined);
    // both drafts see one store
    equal(dec.decode(ns[`wasi:keyvalue/store${D2}`].open('old').get('n')), '5');
  });

  it('a component built for the earlier draft links and runs: u64 increment and cursors, beside jco', async () => {
    const component = await fixtureComponent('kv-draft');
    const store = createMemoryKeyValue();
    const b = store.open('old');
    for (let i = 0; i < 2500; i++) b.set(`k${i}`, enc.encode('v'));
    const { exports } = await component.instantiate({ platform: await platformValue(), capabilities: { kv: { buckets: { old: store } } } });
    equal(exports.count('old', 'n', 7), 7n);
    equal(exports.count('old', 'n', 3), 10n);
    // 2501 keys: three pages of the default 1000, two u64 cursors
    equal(exports.listCount('old'), 2501);
    const jcoStore = createMemoryKeyValue();
    const served = Object.entries(host({ kv: { buckets: { old: jcoStore } } })).filter(([k]) => k.endsWith(D1)).map(([k, v]) => [k.slice(0, -D1.length), v]);
    const jco = await jcoInstantiate('fixtures/kv-draft', Object.fromEntries(served));
    equal(jco.count('old', 'n', 7), 7n);
    equal(jco.listCount('old'), 1);
  });

  it('bounds every size a guest controls: key, value, batch, bucket name, open handles', () => {
    const ns = host({ kv: { buckets: { '*': createMemoryKeyValue() }, limits: { maxKeyBytes: 8, maxValueBytes: 4, maxBatch: 2, maxOpenBuckets: 3 } } });
    const store = ns[`wasi:keyvalue/store${D2}`];
    const batch = ns[`wasi:keyvalue/batch${D2}`];
    const atomics = ns[`wasi:keyvalue/atomics${D2}`];
    const b = store.open('x');
    const other = (fn: () => unknown): string => {
      const p = errorOf(fn) as { tag: string; val: string };
      equal(p.tag, 'other');
      return p.val;
    };
    b.set('12345678', enc.encode('1234'));
    ok(other(() => b.get('123456789')).includes('maxKeyBytes'));
    // UTF-8 bytes, not UTF-16 units: 3 x 3 bytes
    ok(other(() => b.get('日本語')).includes('maxKeyBytes'));
    ok(other(() => b.set('k', enc.encode('12345'))).includes('maxValueBytes'));
    ok(other(() => batch.getMany(b, ['a', 'b', 'c'])).includes('maxBatch'));
    ok(other(() => batch.setMany(b, [['a', enc.encode('1')], ['b', enc.encode('1')], ['c', enc.encode('1')]])).includes('maxBatch'));
    ok(other(() => batch.deleteMany(b, ['a', 'b', 'c'])).includes('maxBatch'));
    ok(other(() => store.open('n'.repeat(256))).includes('maxBucketNameBytes'));
    const cas = atomics.Cas.new(b, 'k');
    store.open('y');
    ok(other(() => store.open('z')).includes('maxOpenBuckets'));
    // a dropped handle frees its place; a swapped CAS handle is given up by the guest
    cas[symbolDispose]();
    const c2 = store.open('z');
    ok(other(() => atomics.Cas.new(b, 'k')).includes('maxOpenBuckets'));
    c2[symbolDispose]();
    atomics.swap(atomics.Cas.new(b, 'k'), enc.encode('v'));
    store.open('w');
  });

  it('CAS through the interface: a lost race hands back a fresh handle with the current value', () => {
    const shared = createMemoryKeyValue();
    const ns = host({ kv: { buckets: { c: shared } } });
    const { Cas, swap } = ns[`wasi:keyvalue/atomics${D2}`];
    const b = ns[`wasi:keyvalue/store${D2}`].open('c');
    const h = Cas.new(b, 'k');
    equal(h.current(), undefined);
    shared.open('c').set('k', enc.encode('theirs'));
    const lost = errorOf(() => swap(h, enc.encode('mine'))) as { tag: string; val: { current(): Uint8Array } };
    equal(lost.tag, 'cas-failed');
    equal(dec.decode(lost.val.current()), 'theirs');
    swap(lost.val, enc.encode('mine'));
    equal(dec.decode(b.get('k')), 'mine');
  });

  it('without the grant, or for a bucket it does not name, open is access-denied and the denial names the grant', () => {
    const denied: DenialReport[] = [];
    const none = host({}, denied);
    deepEqual(errorOf(() => none[`wasi:keyvalue/store${D2}`].open('notes')), { tag: 'access-denied' });
    deepEqual(errorOf(() => none[`wasi:keyvalue/store${D1}`].open('notes')), { tag: 'access-denied' });
    equal(denied[0]!.capability, 'kv');
    ok(denied[0]!.grant.includes('capabilities.kv = { buckets: { "notes": store } }'), denied[0]!.grant);
    const some = host({ kv: { buckets: { notes: createMemoryKeyValue() } } }, denied);
    some[`wasi:keyvalue/store${D2}`].open('notes');
    deepEqual(errorOf(() => some[`wasi:keyvalue/store${D2}`].open('secrets')), { tag: 'access-denied' });
    ok(denied.at(-1)!.detail.includes('"secrets"'));
  });

  it('a named bucket wins over "*"; grants are checked: stores, limits, paths where the platform has no files', () => {
    const named = createMemoryKeyValue();
    const any = createMemoryKeyValue();
    const ns = host({ kv: { buckets: { notes: named, '*': any } } });
    ns[`wasi:keyvalue/store${D2}`].open('notes').set('k', enc.encode('n'));
    ns[`wasi:keyvalue/store${D2}`].open('other').set('k', enc.encode('a'));
    equal(dec.decode(named.open('notes').get('k')!), 'n');
    equal(dec.decode(any.open('other').get('k')!), 'a');
    const p = { name: 'test' };
    throws(() => resolveGrants({ kv: { buckets: { a: {} as KeyValueStore } } }, p), { instanceOf: TypeError });
    throws(() => resolveGrants({ kv: {} as never }, p), { instanceOf: TypeError });
    throws(() => resolveGrants({ kv: { buckets: {}, limits: { maxBatch: 0 } } }, p), { instanceOf: TypeError });
    throws(() => resolveGrants({ kv: { buckets: {}, limits: { nope: 1 } as never } }, p), { instanceOf: TypeError });
    throws(() => resolveGrants({ kv: { buckets: { a: './kv.sqlite' } } }, p), { code: 'UNSUPPORTED', message: /no key-value files/ });
    equal(resolveGrants({ kv: { buckets: { a: named } } }, p).async, false);
    equal(resolveGrants({ kv: { buckets: { a: { async: true, open: () => Promise.reject(new Error('x')) } } } }, p).async, true);
  });

  it('a store\'s own failure reaches the guest as error::other with its message', () => {
    const failing: KeyValueStore = { async: false, open: () => { throw new Error('disk on fire'); } };
    const ns = host({ kv: { buckets: { '*': failing } } });
    deepEqual(errorOf(() => ns[`wasi:keyvalue/store${D2}`].open('x')), { tag: 'other', val: 'disk on fire' });
  });
});
