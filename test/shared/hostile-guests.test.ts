/**
 * Hostile guests and careless hosts: missing imports, imports of the wrong shape, host functions
 * that throw or return the wrong type, guests that trap, return pointers out of bounds or
 * misaligned, invalid UTF-8, out-of-range discriminants, and allocators that fail. Each gives an
 * `IsowasmError` with a code and a message that says what happened; a trap poisons only its own
 * instance, and the next test still runs. Fixtures: test/fixtures/hostile-*.wat.
 */
import { IsowasmError } from '../../src/core/index.js';
import { AssertionError, deepEqual, equal, ok, rejects, throws } from '../harness/assert.js';
import { fixtureComponent } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

const fixture = fixtureComponent;

type Fn = (...a: unknown[]) => unknown;
type Exports = Record<string, Fn> & Record<string, Record<string, Fn>>;

async function instance(name: string, imports?: Record<string, unknown>): Promise<Exports> {
  const c = await fixture(name);
  return (await c.instantiate(imports === undefined ? undefined : { imports })).exports as Exports;
}

/** Asserts `fn()` throws an IsowasmError with `code` whose message matches `message`. */
function throwsCode(fn: () => unknown, code: string, message?: RegExp): IsowasmError {
  const e = throws(fn, { instanceOf: IsowasmError, code, ...(message ? { message } : {}) });
  return e as IsowasmError;
}

// --------------------------------------------------------------------------------------------
// imports

const ALL_IMPORTS = ['log', 'get-count', 'name', 'acme:host/clock', 'acme:host/store@1.0.0'];

/** A correct host for hostile-imports, with per-test overrides. */
function host(over: Record<string, unknown> = {}): { imports: Record<string, unknown>; logged: string[] } {
  const logged: string[] = [];
  const store = new Map<number, number>();
  const imports: Record<string, unknown> = {
    log: (m: string) => { logged.push(m); },
    getCount: () => 41,
    name: () => 'isowasm',
    'acme:host/clock': { now: () => 123n },
    'acme:host/store': { get: (k: number) => store.get(k) ?? 0, put: (k: number, v: number) => { store.set(k, v); } },
    ...over,
  };
  return { imports, logged };
}

function details(e: IsowasmError): { missing: string[]; mismatched: string[] } {
  const d = e.details as { missing?: unknown; mismatched?: unknown } | undefined;
  ok(d && Array.isArray(d.missing), `details.missing should be an array: ${JSON.stringify(e.details)}`);
  return { missing: d.missing as string[], mismatched: Array.isArray(d.mismatched) ? d.mismatched as string[] : [] };
}

describe('hostile guests: missing imports', () => {
  it('the control: a complete host works', async () => {
    const h = host();
    const x = await instance('hostile-imports', h.imports);
    equal(x.callCount!(), 42);
    equal(x.nameLength!(), 7);
    equal(x.callNow!(), 123n);
    equal(x.callStore!(5, 9), 9);
    x.callLog!();
    deepEqual(h.logged, ['hello']);
  });

  it('no imports at all: one MISSING_IMPORTS error that lists every missing name', async () => {
    const c = await fixture('hostile-imports');
    for (const opts of [{ imports: {} }, {}, undefined]) {
      const e = await rejects(() => c.instantiate(opts), { instanceOf: IsowasmError, code: 'MISSING_IMPORTS' }) as IsowasmError;
      for (const n of ALL_IMPORTS) ok(e.message.includes(n), `the message should name ${n}: ${e.message}`);
      deepEqual([...details(e).missing].sort(), [...ALL_IMPORTS].sort());
    }
  });

  it('only the missing ones are listed', async () => {
    const c = await fixture('hostile-imports');
    const { imports } = host();
    delete imports['acme:host/clock'];
    delete imports.getCount;
    const e = await rejects(() => c.instantiate({ imports }), { code: 'MISSING_IMPORTS' }) as IsowasmError;
    deepEqual([...details(e).missing].sort(), ['acme:host/clock', 'get-count']);
    ok(!e.message.includes('acme:host/store'), `the message names an import that was provided: ${e.message}`);
  });

  it('an interface without one of its functions names that function', async () => {
    const c = await fixture('hostile-imports');
    const e = await rejects(() => c.instantiate(host({ 'acme:host/store': { get: () => 0 } })), { code: 'MISSING_IMPORTS' }) as IsowasmError;
    const { missing } = details(e);
    equal(missing.length, 1, `missing: ${JSON.stringify(missing)}`);
    ok(/acme:host\/store.*put/.test(missing[0]!), `expected the missing member put of acme:host/store, got ${missing[0]}`);
    ok(/put/.test(e.message), e.message);
  });
});

describe('hostile guests: imports of the wrong shape', () => {
  it('a number where a function is expected', async () => {
    const c = await fixture('hostile-imports');
    const e = await rejects(() => c.instantiate(host({ getCount: 42 })), { instanceOf: IsowasmError, code: 'IMPORT_MISMATCH' }) as IsowasmError;
    ok(/get-count.*expected a function.*42/.test(e.message), e.message);
    const { missing, mismatched } = details(e);
    deepEqual(missing, []);
    equal(mismatched.length, 1);
  });

  it('a non-object for an interface', async () => {
    const c = await fixture('hostile-imports');
    for (const bad of [5, 'nope', null, true]) {
      const e = await rejects(() => c.instantiate(host({ 'acme:host/clock': bad })), { instanceOf: IsowasmError, code: 'IMPORT_MISMATCH' }) as IsowasmError;
      ok(/acme:host\/clock.*expected an object/.test(e.message), `for ${String(bad)}: ${e.message}`);
    }
  });

  it('an interface member of the wrong type', async () => {
    const c = await fixture('hostile-imports');
    const e = await rejects(() => c.instantiate(host({ 'acme:host/store': { get: () => 0, put: 'x' } })), { code: 'IMPORT_MISMATCH' }) as IsowasmError;
    ok(/acme:host\/store.*put.*expected a function/.test(e.message), e.message);
  });

  it('every wrong shape at once is reported in one error', async () => {
    const c = await fixture('hostile-imports');
    const bad = { log: 1, getCount: 'two', name: {}, 'acme:host/clock': 3, 'acme:host/store': [] };
    const e = await rejects(() => c.instantiate({ imports: bad }), { instanceOf: IsowasmError }) as IsowasmError;
    // an array is an object: its members are then missing; everything else is a mismatch
    ok(e.code === 'MISSING_IMPORTS' || e.code === 'IMPORT_MISMATCH', `code ${e.code}`);
    const { missing, mismatched } = details(e);
    for (const n of ['log', 'get-count', 'name', 'acme:host/clock']) ok(mismatched.some((m) => m.startsWith(n)), `${n} is not reported as mismatched: ${JSON.stringify(mismatched)}`);
    ok([...missing, ...mismatched].some((m) => m.startsWith('acme:host/store')), `acme:host/store is not reported: ${e.message}`);
  });

  it('missing and mismatched together: MISSING_IMPORTS with both lists', async () => {
    const c = await fixture('hostile-imports');
    const { imports } = host({ log: 7 });
    delete imports.name;
    const e = await rejects(() => c.instantiate({ imports }), { instanceOf: IsowasmError, code: 'MISSING_IMPORTS' }) as IsowasmError;
    const { missing, mismatched } = details(e);
    deepEqual(missing, ['name']);
    equal(mismatched.length, 1);
    ok(mismatched[0]!.startsWith('log'), mismatched[0]);
    ok(/name/.test(e.message) && /log/.test(e.message), e.message);
  });

  it('imports that are not an object are a TypeError', async () => {
    const c = await fixture('hostile-imports');
    await rejects(() => c.instantiate({ imports: 5 as unknown as Record<string, unknown> }), { instanceOf: TypeError });
  });
});

describe('hostile guests: host functions that fail', () => {
  it('a host function that throws an Error: HOST_ERROR with the error as cause, then the instance is poisoned', async () => {
    const boom = new Error('disk on fire');
    const x = await instance('hostile-imports', host({ getCount: () => { throw boom; } }).imports);
    const e = throwsCode(() => x.callCount!(), 'HOST_ERROR', /get-count/);
    ok(e.message.includes('disk on fire'), e.message);
    equal(e.cause, boom);
    throwsCode(() => x.callStore!(1, 2), 'INSTANCE_POISONED');
    // a fresh instance of the same component is fine
    equal((await instance('hostile-imports', host().imports)).callCount!(), 42);
  });

  it('a host function that throws a non-Error value', async () => {
    const x = await instance('hostile-imports', host({ getCount: () => { throw 'nope'; } }).imports);
    const e = throwsCode(() => x.callCount!(), 'HOST_ERROR', /nope/);
    equal(e.cause, 'nope');
  });

  it('an interface function that throws is named with its interface', async () => {
    const x = await instance('hostile-imports', host({ 'acme:host/store': { get: () => { throw new RangeError('no such key'); }, put: () => {} } }).imports);
    const e = throwsCode(() => x.callStore!(1, 2), 'HOST_ERROR', /no such key/);
    ok(e.cause instanceof RangeError);
    ok(/acme:host\/store(@1\.0\.0)?#get/.test(e.message), `the message should name acme:host/store#get: ${e.message}`);
  });

  it('a host function that returns a string where u32 is expected', async () => {
    const x = await instance('hostile-imports', host({ getCount: () => 'seven' }).imports);
    const e = throwsCode(() => x.callCount!(), 'HOST_ERROR', /get-count/);
    ok(/wrong type|expected/.test(e.message), e.message);
    ok(e.message.includes('seven'), `the message should show the bad value: ${e.message}`);
  });

  it('a host function that returns an out-of-range or non-integer u32', async () => {
    for (const bad of [2 ** 32, -1, 1.5, NaN, 10n]) {
      const x = await instance('hostile-imports', host({ getCount: () => bad }).imports);
      throwsCode(() => x.callCount!(), 'HOST_ERROR', /get-count/);
    }
  });

  it('a host function that returns a number where a string is expected', async () => {
    const x = await instance('hostile-imports', host({ name: () => 42 }).imports);
    throwsCode(() => x.nameLength!(), 'HOST_ERROR', /\bname\b.*(wrong type|expected a string)/);
  });

  it('an interface function that returns the wrong type is named with its interface', async () => {
    const x = await instance('hostile-imports', host({ 'acme:host/clock': { now: () => 'soon' } }).imports);
    const e = throwsCode(() => x.callNow!(), 'HOST_ERROR');
    ok(/acme:host\/clock#now/.test(e.message), `the message should name acme:host/clock#now: ${e.message}`);
  });

  it('a host function that calls back into the instance: REENTRANCE, not a crash', async () => {
    let x: Exports | null = null;
    const h = host({ getCount: () => x!.callStore!(1, 1) });
    x = await instance('hostile-imports', h.imports);
    throwsCode(() => x!.callCount!(), 'REENTRANCE');
  });
});

// --------------------------------------------------------------------------------------------
// traps

describe('hostile guests: traps', () => {
  it('unreachable: TRAP, then every later call is INSTANCE_POISONED, and a fresh instance works', async () => {
    const x = await instance('hostile-trap');
    equal(x.ok!(), 7);
    const e = throwsCode(() => x.boom!(), 'TRAP', /boom/);
    ok(/unreachable/i.test(e.message), `the message should say what trapped: ${e.message}`);
    ok(e.cause instanceof Error, 'the engine error is the cause');
    const p = throwsCode(() => x.ok!(), 'INSTANCE_POISONED', /trapped earlier/);
    ok(/create a new instance/.test(p.message), p.message);
    throwsCode(() => x.echo!('hi'), 'INSTANCE_POISONED');
    throwsCode(() => x.div!(1, 1), 'INSTANCE_POISONED');
    throwsCode(() => x.boom!(), 'INSTANCE_POISONED');
    const fresh = await instance('hostile-trap');
    equal(fresh.ok!(), 7);
    equal(fresh.echo!('hi'), 'hi');
  });

  it('a trap poisons only its own instance', async () => {
    const a = await instance('hostile-trap');
    const b = await instance('hostile-trap');
    throwsCode(() => a.boom!(), 'TRAP');
    equal(b.ok!(), 7);
    equal(b.echo!('still here'), 'still here');
  });

  it('integer division by zero', async () => {
    const x = await instance('hostile-trap');
    equal(x.div!(7, 2), 3);
    throwsCode(() => x.div!(1, 0), 'TRAP', /div/i);
  });

  it('unbounded recursion (stack exhaustion) is a TRAP', async () => {
    const x = await instance('hostile-trap');
    throwsCode(() => x.recurse!(0), 'TRAP', /recurse/);
    throwsCode(() => x.ok!(), 'INSTANCE_POISONED');
  });

  it('a bad argument is a TypeError and does not poison the instance', async () => {
    const x = await instance('hostile-trap');
    throws(() => x.div!('a', 1), { instanceOf: TypeError, message: /div/ });
    throws(() => x.echo!(42), { instanceOf: TypeError, message: /echo/ });
    throws(() => x.echo!('\ud800'), { instanceOf: TypeError, message: /surrogate/ });
    equal(x.div!(9, 3), 3);
    equal(x.echo!('ok'), 'ok');
  });

  it('a trap in a core start function rejects instantiate with TRAP', async () => {
    const c = await fixture('hostile-start-trap');
    const e = await rejects(() => c.instantiate(), { instanceOf: IsowasmError, code: 'TRAP' }) as IsowasmError;
    ok(/start|unreachable/i.test(e.message), e.message);
    // and again: every instantiation reports it the same way
    await rejects(() => c.instantiate(), { instanceOf: IsowasmError, code: 'TRAP' });
  });
});

// --------------------------------------------------------------------------------------------
// bad pointers, bad values, failing allocators

/** Calls `name` on a fresh hostile-memory instance and expects a TRAP whose message matches. */
async function trapsWith(name: string, message: RegExp, ...args: unknown[]): Promise<void> {
  const x = await instance('hostile-memory');
  const values = x['acme:hostile/values']!;
  const fn = (x[name] ?? values[name]) as Fn | undefined;
  if (typeof fn !== 'function') throw new AssertionError(`hostile-memory has no export ${name}`);
  const e = throwsCode(() => fn(...args), 'TRAP', message);
  ok(e.message.length > 20, `the message should say what went wrong: ${e.message}`);
  // the instance is now poisoned
  throwsCode(() => x.goodString!(), 'INSTANCE_POISONED');
}

describe('hostile guests: bad results', () => {
  it('the controls lift correctly', async () => {
    const x = await instance('hostile-memory');
    equal(x.goodString!(), 'ok');
    deepEqual(x.goodList!(), new Uint32Array([1, 2]));
    deepEqual(x['acme:hostile/values']!.variantGood!(), { tag: 'b', val: 99 });
    x.takeString!('small');
    x.takeStringEnd!('a'); // ends exactly at the end of memory
  });

  it('a string pointer out of bounds', async () => {
    await trapsWith('stringOob', /out of bounds/);
    await trapsWith('stringWrap', /out of bounds/);
  });

  it('a string length beyond the Canonical ABI limit', async () => {
    await trapsWith('stringHuge', /exceeds|out of bounds/);
  });

  it('a return pointer out of bounds or misaligned', async () => {
    await trapsWith('retptrOob', /out of bounds/);
    await trapsWith('retptrMisaligned', /not aligned/);
  });

  it('a string that is not valid UTF-8', async () => {
    await trapsWith('badUtf8', /not valid UTF-8/);
    await trapsWith('badUtf8Long', /not valid UTF-8/);
    await trapsWith('surrogateUtf8', /not valid UTF-8/);
  });

  it('a list out of bounds, misaligned, or too long', async () => {
    await trapsWith('listOob', /out of bounds/);
    await trapsWith('listMisaligned', /not aligned/);
    await trapsWith('listHuge', /limit|exceeds/);
  });

  it('a variant or enum discriminant out of range', async () => {
    await trapsWith('variantBad', /case index 5 is out of range/);
    await trapsWith('enumBad', /case index 3 is out of range/);
    await trapsWith('enumHuge', /case index 4294967295 is out of range/);
  });

  it('a char that is not a Unicode scalar value', async () => {
    await trapsWith('charSurrogate', /char/);
    await trapsWith('charTooBig', /char/);
  });
});

describe('hostile guests: memory exhaustion', () => {
  it('realloc that traps because memory.grow fails', async () => {
    await trapsWith('takeString', /unreachable/i, 'x'.repeat(200_000));
  });

  it('realloc that returns -1', async () => {
    await trapsWith('takeStringNeg1', /out of bounds/, 'hello');
    await trapsWith('takeListNeg1', /out of bounds/, new Uint8Array(4));
  });

  it('realloc that returns a block running past the end of memory', async () => {
    await trapsWith('takeStringEnd', /out of bounds/, 'hello');
  });

  it('realloc that returns a misaligned block', async () => {
    await trapsWith('takeListOdd', /not aligned/, [1, 2]);
  });

  it('a guest that grows memory until it fails', async () => {
    await trapsWith('growUntilFail', /unreachable/i);
  });

  it('after all that, the runtime is healthy', async () => {
    const x = await instance('hostile-memory');
    equal(x.goodString!(), 'ok');
    const t = await instance('hostile-trap');
    equal(t.echo!('é✓'), 'é✓');
    const h = await instance('hostile-imports', host().imports);
    equal(h.callCount!(), 42);
  });
});
