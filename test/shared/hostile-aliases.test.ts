/**
 * The lifting and lowering budgets (instantiate({ limits: { liftBytes, lowerBytes } })): a guest
 * may return lists whose entries all point at one block of its memory (the Canonical ABI allows
 * it), and a host may return one big value many times over; either used to make the host
 * allocate without bound (16 GiB of strings from a 256 MiB guest, and the process died). Now the
 * call ends in MEMORY_LIMIT, checked before each allocation, and the host is untouched.
 * Fixtures: test/fixtures/hostile-aliases.wat, caller-args.wat.
 */
import { type InstantiateOptions, IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { fixtureComponent } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { STRATEGIES, failure, fixtureWith } from './strategy-harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const fixture = fixtureComponent;

type Fn = (...a: unknown[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Aliases {
  strings: Fn;
  byteLists: Fn;
  nested: Fn;
  tuples: Fn;
  send: Fn;
  pull: Fn;
  memorySize: Fn;
}

/** A fresh hostile-aliases instance; `source` is what the host's `source` import returns. */
async function aliases(options: Omit<InstantiateOptions, 'imports'> = {}, host: { sink?: (parts: string[]) => void; source?: () => unknown } = {}): Promise<Aliases> {
  const imports = { sink: host.sink ?? (() => {}), source: host.source ?? (() => []) };
  return (await (await fixture('hostile-aliases')).instantiate({ ...options, imports })).exports as Aliases;
}

function memoryLimit(fn: () => unknown, limit: 'liftBytes' | 'lowerBytes', message?: RegExp): IsowasmError {
  const e = throws(fn, { instanceOf: IsowasmError, code: 'MEMORY_LIMIT' }) as IsowasmError;
  ok(e.message.includes(`limits.${limit}`), `the message should name limits.${limit}: ${e.message}`);
  if (message) ok(message.test(e.message), `the message should match ${String(message)}: ${e.message}`);
  return e;
}

describe('limits.liftBytes: results that alias guest memory', () => {
  it('64 strings pointing at one 1 MiB block with liftBytes 4 MiB: MEMORY_LIMIT, then the instance is poisoned', async () => {
    const x = await aliases({ limits: { liftBytes: 4 * MiB } });
    const e = memoryLimit(() => x.strings(64, MiB), 'liftBytes', /strings/);
    ok(/raise/.test(e.message), `the message should say how to raise the limit: ${e.message}`);
    // like a trap: the guest's results were never taken, post-return did not run
    throws(() => x.memorySize(), { code: 'INSTANCE_POISONED', message: /MEMORY_LIMIT|liftBytes/ });
  });

  it('the same result within the budget lifts, and the budget is per call', async () => {
    const x = await aliases({ limits: { liftBytes: 4 * MiB } });
    for (let i = 0; i < 5; i++) {
      const got = x.strings(3, MiB) as string[];
      equal(got.length, 3);
      for (const s of got) equal(s.length, MiB);
    }
    equal(x.memorySize() > 5 * MiB, true, 'five calls of 3 MiB each were lifted from one instance');
  });

  it('with the default limit, 4096 strings aliasing one 16 MiB block (64 GiB) end in MEMORY_LIMIT, not out of memory', async () => {
    const x = await aliases();
    const e = memoryLimit(() => x.strings(4096, 16 * MiB), 'liftBytes');
    ok(/default/.test(e.message), `the message should say the default applied: ${e.message}`);
    // the process is fine, and so is a new instance
    deepEqual((await aliases()).strings(2, 3), ['\0\0\0', '\0\0\0']);
  });

  it('list<list<u8>> entries aliasing one block: MEMORY_LIMIT', async () => {
    const x = await aliases({ limits: { liftBytes: 4 * MiB } });
    memoryLimit(() => x.byteLists(64, MiB), 'liftBytes');
    const y = await aliases({ limits: { liftBytes: 4 * MiB } });
    const got = y.byteLists(2, 1000) as Uint8Array[];
    equal(got.length, 2);
    deepEqual(got[1], new Uint8Array(1000));
  });

  it('aliases nested two deep (1000 x 1000 x 1 KiB = 1 GB) are refused with the default limit', async () => {
    const x = await aliases();
    memoryLimit(() => x.nested(1000, 1000, KiB), 'liftBytes');
  });

  it('list elements count what they cost in JS, not only their bytes in guest memory', async () => {
    // 100,000 one-byte tuples are 100 KB in the guest, but 100,000 JS arrays on the host
    const x = await aliases({ limits: { liftBytes: MiB } });
    memoryLimit(() => x.tuples(100_000), 'liftBytes');
    const y = await aliases({ limits: { liftBytes: MiB } });
    equal((y.tuples(1000) as unknown[]).length, 1000);
  });

  it('liftBytes: Infinity lifts what the guest returns', async () => {
    const x = await aliases({ limits: { liftBytes: Infinity } });
    equal((x.strings(40, 128 * KiB) as string[]).length, 40);
  });

  it('the arguments of a host import: MEMORY_LIMIT before the host function runs', async () => {
    let called = 0;
    const x = await aliases({ limits: { liftBytes: 4 * MiB } }, { sink: () => { called++; } });
    const e = memoryLimit(() => x.send(64, MiB), 'liftBytes', /\bsink\b/);
    ok(/guest passed/.test(e.message), e.message);
    equal(called, 0, 'the host function was not called');
    throws(() => x.memorySize(), { code: 'INSTANCE_POISONED' });
    const y = await aliases({ limits: { liftBytes: 4 * MiB } }, { sink: (parts) => { called += parts.length; } });
    y.send(3, MiB);
    equal(called, 3);
  });
});

describe('limits.lowerBytes: values lowered into the guest', () => {
  it('a host import returning one 1 MiB string 64 times with lowerBytes 4 MiB: MEMORY_LIMIT', async () => {
    const big = 'x'.repeat(MiB);
    const x = await aliases({ limits: { lowerBytes: 4 * MiB } }, { source: () => new Array(64).fill(big) });
    memoryLimit(() => x.pull(), 'lowerBytes', /\bsource\b.*returned/);
    throws(() => x.memorySize(), { code: 'INSTANCE_POISONED' });
    const y = await aliases({ limits: { lowerBytes: 4 * MiB } }, { source: () => new Array(3).fill(big) });
    equal(y.pull(), 3);
  });

  it('with the default limit, 100,000 copies of a 1 MiB string (100 GB) end in MEMORY_LIMIT before the guest memory fills', async () => {
    const big = 'y'.repeat(MiB);
    const x = await aliases({}, { source: () => new Array(100_000).fill(big) });
    memoryLimit(() => x.pull(), 'lowerBytes', /default/);
  });

  it('a list of 30 million elements from a proxy is refused before the elements are read', async () => {
    let reads = 0;
    const huge = new Proxy([], {
      get: (t, k) => {
        if (k === 'length') return 30_000_000;
        if (typeof k === 'string' && /^\d+$/.test(k)) { reads++; return ''; }
        return Reflect.get(t, k);
      },
    });
    const x = await aliases({}, { source: () => huge });
    memoryLimit(() => x.pull(), 'lowerBytes');
    equal(reads, 0);
  });

  it('arguments too large for lowerBytes: MEMORY_LIMIT for the caller, and the instance stays usable', async () => {
    const c = await fixture('caller-args');
    class Thing { get(): number { return 1; } }
    const x = (await c.instantiate({ imports: { host: { Thing } }, limits: { lowerBytes: MiB } })).exports as Record<string, Fn>;
    const part = 'z'.repeat(256 * KiB);
    memoryLimit(() => x.count!(new Array(64).fill(part)), 'lowerBytes', /arguments of count/);
    equal(x.count!(new Array(3).fill(part)), 3 * 256 * KiB);
    equal(x.count!(['ab', 'cde']), 5);
  });
});

describe('limits: options', () => {
  it('bad values are a TypeError at instantiate', async () => {
    const c = await fixture('hostile-aliases');
    const imports = { sink: () => {}, source: () => [] };
    for (const limits of [5, 'big', null, [1]]) {
      await failure(() => c.instantiate({ imports, limits: limits as never })).then((e) => ok(e instanceof TypeError, `limits ${String(limits)}: ${String(e)}`));
    }
    for (const bad of [-1, 1.5, NaN, '4096', 10n, -Infinity]) {
      const e = await failure(() => c.instantiate({ imports, limits: { liftBytes: bad as number } }));
      ok(e instanceof TypeError && /liftBytes/.test(e.message), `liftBytes ${String(bad)}: ${String(e)}`);
    }
    // a limit isowasm does not know (a typo, or one of a later version) is not silently ignored
    const e = await failure(() => c.instantiate({ imports, limits: { liftbytes: 10 } as never }));
    ok(e instanceof TypeError && /liftbytes/.test(e.message) && /liftBytes/.test(e.message), String(e));
  });
});

describe('limits under every strategy', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: aliased results and a host's repeated value end in MEMORY_LIMIT; within the limits calls work`, async () => {
      const big = 'w'.repeat(64 * KiB);
      let repeat = 8;
      const x = (await fixtureWith('hostile-aliases', {
        strategy,
        limits: { liftBytes: MiB, lowerBytes: MiB },
        imports: { sink: () => {}, source: () => new Array(repeat).fill(big) },
      })).exports as Aliases;
      equal(((await x.strings(3, 64 * KiB)) as string[]).length, 3);
      equal(await x.pull(), 8);
      const e = await failure(() => x.strings(64, 64 * KiB));
      equal(e instanceof IsowasmError && e.code, 'MEMORY_LIMIT', String(e));
      equal(code(await failure(() => x.memorySize())), 'INSTANCE_POISONED');

      const y = (await fixtureWith('hostile-aliases', {
        strategy,
        limits: { lowerBytes: MiB },
        imports: { sink: () => {}, source: () => new Array(repeat).fill(big) },
      })).exports as Aliases;
      repeat = 1000;
      const f = await failure(() => y.pull());
      equal(f instanceof IsowasmError && f.code, 'MEMORY_LIMIT', String(f));
      ok((f as Error).message.includes('limits.lowerBytes'), (f as Error).message);
    });
  }
});

function code(e: unknown): string {
  return e instanceof IsowasmError ? e.code : `not an IsowasmError: ${String(e)}`;
}
