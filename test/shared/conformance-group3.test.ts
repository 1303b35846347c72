/**
 * Conformance group 3 (resources): every component of the README's group 3, with the host calls,
 * the disposes of host objects and their order, the identity of host objects handed back, and the
 * JS-side life of guest resources (moves and `[Symbol.dispose]()`). Where a jco reference exists
 * (JCO_REFERENCES), each run is repeated under jco's bindings with an identical host and the host
 * call logs must match.
 */
import { IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok, show } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { type Call, type Exports, type Host, type Run, both, bytes, start, text, thingHost, thrown, typeError, yHost } from './_conformance-hosts-2.js';

const none: Host = () => ({});
const isTypeError = (fn: () => unknown): boolean => thrown(fn) instanceof TypeError;

// ---------------------------------------------------------------------------------------------

describe('conformance group 3: resource-borrow-simple and resource_borrow_simple', () => {
  const host: Host = (log) => {
    const made: object[] = [];
    class R {
      readonly id = made.length;
      constructor(...args: unknown[]) {
        made.push(this);
        log.push(['new R', this.id, args.length]);
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    return {
      r: { default: R },
      test: { default: (r: unknown) => { log.push(['test', r instanceof R ? r.id : show(r), r === made[made.length - 1]]); } },
    };
  };

  for (const name of ['resource-borrow-simple', 'resource_borrow_simple']) {
    it(`${name}: each testImports() constructs an R (no arguments), lends that very object to test, then disposes it`, async () => {
      const [isowasm] = await both(name, host, ({ exports: w }) => [w.testImports(), w.testImports()], [undefined, undefined]);
      deepEqual(isowasm!.log, [
        ['new R', 0, 0], ['test', 0, true], ['dispose', 0],
        ['new R', 1, 0], ['test', 1, true], ['dispose', 1],
      ]);
    });
  }
});

describe('conformance group 3: resource_borrow_export', () => {
  const T = 'test:resource-borrow-export/test';

  it('new Thing(42): foo(t) is 45, and 45 again (a borrow does not consume t)', async () => {
    await both('resource_borrow_export', none, ({ exports: w }) => {
      const E = w[T];
      const t = new E.Thing(42);
      return [t instanceof E.Thing, E.foo(t), E.foo(t), w.test === E];
    }, [true, 45, 45, true]);
  });

  it('t[Symbol.dispose]() drops the resource: foo(t) afterwards throws a TypeError', async () => {
    await both('resource_borrow_export', none, ({ exports: w }) => {
      const E = w[T];
      const t = new E.Thing(1);
      const u = new E.Thing(2);
      t[Symbol.dispose]();
      return [isTypeError(() => E.foo(t)), E.foo(u)];
    }, [true, 5]);
  });
});

describe('conformance group 3: resource_borrow_import', () => {
  const host: Host = (log) => {
    let n = 0;
    class Thing {
      readonly id = n++;
      v: number;
      constructor(v: number) {
        log.push(['new Thing', this.id, v]);
        this.v = v + 2;
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    return {
      'test:resource-borrow-import/test': {
        Thing,
        foo: (t: Thing) => {
          log.push(['foo', t instanceof Thing ? t.id : show(t)]);
          return t.v + 3;
        },
      },
    };
  };

  it('test(42) is 52: the guest constructs Thing(43), lends it to foo (48), adds 4, and disposes it', async () => {
    const [isowasm] = await both('resource_borrow_import', host, ({ exports: w }) => w.test(42), 52);
    deepEqual(isowasm!.log, [['new Thing', 0, 43], ['foo', 0], ['dispose', 0]]);
  });
});

describe('conformance group 3: resource_into_inner', () => {
  const T = 'test:resource-into-inner/test';

  it('test() wraps and unwraps "Jabberwocky" inside the guest; new Thing("x") works and can be disposed', async () => {
    await both('resource_into_inner', none, ({ exports: w }) => {
      const E = w[T];
      const r = E.test();
      const t = new E.Thing('x');
      const isThing = t instanceof E.Thing;
      t[Symbol.dispose]();
      return [r, isThing];
    }, [undefined, true]);
  });
});

describe('conformance group 3: resource_with_lists', () => {
  const T = 'test:resource-with-lists/test';
  const cat = (a: Uint8Array, s: string) => new Uint8Array([...a, ...bytes(s)]);
  const host: Host = (log) => {
    let n = 0;
    class Thing {
      readonly id = n++;
      v: Uint8Array;
      constructor(l: Uint8Array) {
        log.push(['new Thing', this.id, l instanceof Uint8Array, text(l)]);
        this.v = cat(l, ' HostThing');
      }
      foo(): Uint8Array {
        log.push(['foo', this.id]);
        return cat(this.v, ' HostThing.foo');
      }
      bar(l: Uint8Array): void {
        log.push(['bar', this.id, l instanceof Uint8Array, text(l)]);
        this.v = cat(l, ' HostThing.bar');
      }
      static baz(l: Uint8Array): Uint8Array {
        log.push(['baz', l instanceof Uint8Array, text(l)]);
        return cat(l, ' HostThing.baz');
      }
    }
    return { [T]: { Thing } };
  };

  it('constructor, foo, bar and static baz pass byte lists through guest and host both ways', async () => {
    await both('resource_with_lists', host, ({ exports: w }) => {
      const E = w[T];
      const t = new E.Thing(bytes('Hi'));
      const a = t.foo();
      const b = t.bar(bytes('Hola'));
      const c = t.foo();
      const d = E.Thing.baz(bytes('Ohayo Gozaimas'));
      return [a, b, c, d];
    }, [
      bytes('Hi Thing HostThing HostThing.foo Thing.foo'),
      undefined,
      bytes('Hola Thing.bar HostThing.bar HostThing.foo Thing.foo'),
      bytes('Ohayo Gozaimas Thing.baz HostThing.baz Thing.baz again'),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------


describe('conformance group 3: resource_import_and_export (Rust) and resource-import-and-export (C)', () => {
  const T = 'test:resource-import-and-export/test';
  for (const name of ['resource_import_and_export', 'resource-import-and-export']) {
    it(`${name}: methods and static baz of the exported Thing; baz moves t1 and t2; the temporary host thing holding 131 is disposed during baz`, async () => {
      const runs = await both(name, thingHost(), ({ exports: w }) => {
        const E = w[T];
        const t1 = new E.Thing(42);
        const r = [t1.foo(), t1.bar(33), t1.foo()];
        const t2 = new E.Thing(81);
        const t3 = E.Thing.baz(t1, t2);
        r.push(t3 instanceof E.Thing, t3.foo(), isTypeError(() => t1.foo()), isTypeError(() => t2.foo()));
        return r;
      }, [48, undefined, 43, true, 143, true, true]);
      for (const run of runs) {
        const log = run.log;
        const disposes = log.filter((c) => c[0] === 'dispose');
        deepEqual(disposes.map((c) => c[2]), [131], `${run.runtime}: the disposed host things (by stored value)`);
        const baz = log.findIndex((c) => c[0] === 'baz');
        const d = log.findIndex((c) => c[0] === 'dispose');
        ok(baz >= 0 && d > baz, `${run.runtime}: the dispose happens during baz: ${show(log)}`);
      }
    });

    it(`${name}: toplevelExport(h) with a host Thing hands back h itself, after the host saw toplevel-import(h)`, async () => {
      const runs = await both(name, thingHost(), ({ exports: w, host, log }) => {
        const h = new host[T].Thing(7);
        const before = log.length;
        const r = w.toplevelExport(h);
        return [r === h, log.slice(before)];
      }, [true, [['toplevel-import', 0]]]);
      for (const run of runs) deepEqual(run.log, [['new Thing', 0, 7], ['toplevel-import', 0]], `${run.runtime}: no dispose of h`);
    });
  }
});

describe('conformance group 3: resource_floats', () => {
  const host: Host = (log) => {
    class TestFloat {
      v: number;
      constructor(v: number) {
        log.push(['new TestFloat', v]);
        this.v = v + 1;
      }
      get(): number {
        log.push(['TestFloat.get', this.v]);
        return this.v + 3;
      }
      [Symbol.dispose](): void {
        log.push(['TestFloat.dispose', this.v]);
      }
    }
    class ImportsFloat {
      v: number;
      constructor(v: number) {
        log.push(['new ImportsFloat', v]);
        this.v = v + 2;
      }
      get(): number {
        log.push(['ImportsFloat.get', this.v]);
        return this.v + 4;
      }
      static add(a: ImportsFloat, b: number): ImportsFloat {
        log.push(['ImportsFloat.add', a instanceof ImportsFloat ? a.v : show(a), b]);
        return new ImportsFloat(a.v + b + 6);
      }
      [Symbol.dispose](): void {
        log.push(['ImportsFloat.dispose', this.v]);
      }
    }
    return { 'test:resource-floats/test': { Float: TestFloat }, imports: { Float: ImportsFloat } };
  };

  it('exports.Float: new Float(22).get() is 32; Float.add(f, 7) moves f and its get() is 59', async () => {
    await both('resource_floats', host, ({ exports: w }) => {
      const F = w.exports.Float;
      const f = new F(22);
      const a = f.get();
      const r = F.add(f, 7);
      return [a, r instanceof F, r.get(), isTypeError(() => f.get())];
    }, [32, true, 59, true]);
  });

  it('world-level add lends two host TestFloats and returns a new host TestFloat whose get() is 114', async () => {
    await both('resource_floats', host, ({ exports: w, host: h }) => {
      const TF = h['test:resource-floats/test'].Float;
      const a = new TF(42);
      const b = new TF(55);
      const x = w.add(a, b);
      return [x instanceof TF, x !== a && x !== b, x.get(), a.v, b.v];
    }, [true, true, 114, 43, 56]);
  });
});

describe('conformance group 3: resource_borrow_in_record', () => {
  const T = 'test:resource-borrow-in-record/test';
  const host: Host = (log) => {
    let n = 0;
    class Thing {
      readonly id = n++;
      s: string;
      constructor(s: string) {
        log.push(['new Thing', this.id, s]);
        this.s = `${s} HostThing`;
      }
      get(): string {
        log.push(['get', this.id]);
        return `${this.s} HostThing.get`;
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    return {
      [T]: {
        Thing,
        test: (list: { thing: Thing }[]) => {
          log.push(['test', list.map((f) => (f.thing instanceof Thing ? f.thing.id : show(f.thing)))]);
          return list.map((f) => new Thing(`${f.thing.s} test`));
        },
      },
    };
  };

  it('test([{thing: Bonjour}, {thing: mon cher}]) returns two new things; the borrowed ones stay usable', async () => {
    await both('resource_borrow_in_record', host, ({ exports: w }) => {
      const E = w[T];
      const a = new E.Thing('Bonjour');
      const b = new E.Thing('mon cher');
      const r = E.test([{ thing: a }, { thing: b }]) as Exports[];
      return [r.length, r.every((x) => x instanceof E.Thing), r.map((x) => x.get()), a.get(), b.get()];
    }, [
      2, true,
      ['Bonjour Thing HostThing test HostThing HostThing.get Thing.get', 'mon cher Thing HostThing test HostThing HostThing.get Thing.get'],
      'Bonjour Thing HostThing HostThing.get Thing.get',
      'mon cher Thing HostThing HostThing.get Thing.get',
    ]);
  });
});

describe('conformance group 3: resource_aggregates', () => {
  const T = 'test:resource-aggregates/test';
  const host: Host = (log) => {
    class Thing {
      v: number;
      constructor(v: number) {
        log.push(['new Thing', v]);
        this.v = v + 2;
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.v]);
      }
    }
    // every host Thing in the arguments as `T<stored value>`, the rest as is
    const shape = (x: unknown): unknown => {
      if (x instanceof Thing) return `T${x.v}`;
      if (Array.isArray(x)) return x.map(shape);
      if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]));
      return x;
    };
    const sum = (x: unknown): number => {
      if (x instanceof Thing) return x.v;
      if (Array.isArray(x)) return x.reduce((s: number, e) => s + sum(e), 0);
      if (x && typeof x === 'object') return Object.values(x).reduce((s: number, e) => s + sum(e), 0);
      return 0;
    };
    return {
      [T]: {
        Thing,
        foo: (...args: unknown[]) => {
          log.push(['foo', shape(args)]);
          return sum(args) + 3;
        },
      },
    };
  };
  type Things = Exports[];
  const call = (E: Exports, t: Things) => E.foo({ thing: t[1] }, { thing: t[2] }, { thing1: t[3], thing2: t[4] }, [t[5], { thing: t[6] }], [t[7]],
    { tag: 'thing', val: t[8] }, { tag: 'thing', val: t[9] }, [t[10], t[11]], [t[12], t[13]], t[14], t[15], { tag: 'ok', val: t[16] },
    { tag: 'ok', val: t[17] });
  const make = (E: Exports): Things => {
    const t: Things = [];
    for (let i = 1; i <= 17; i++) t[i] = new E.Thing(i);
    return t;
  };
  // guest thing i wraps a host thing built with i + 1, which stores i + 3
  const T_ = (i: number) => `T${i + 3}`;
  const expectedArgs = [
    { thing: T_(1) }, { thing: T_(2) }, { thing1: T_(3), thing2: T_(4) }, [T_(5), { thing: T_(6) }], [T_(7)],
    { tag: 'thing', val: T_(8) }, { tag: 'thing', val: T_(9) }, [T_(10), T_(11)], [T_(12), T_(13)], T_(14), T_(15),
    { tag: 'ok', val: T_(16) }, { tag: 'ok', val: T_(17) },
  ];
  const owned = [1, 4, 5, 6, 8, 10, 11, 14, 16];
  const borrowed = [2, 3, 7, 9, 12, 13, 15, 17];

  it('foo(...) over 17 things in every own/borrow aggregate is 211; the host finds each thing in its place', async () => {
    const runs = await both('resource_aggregates', host, ({ exports: w }) => call(w[T], make(w[T])), 211);
    for (const run of runs) {
      const foo = run.log.filter((c) => c[0] === 'foo');
      deepEqual(foo, [['foo', expectedArgs]], `${run.runtime}: what the host's foo received`);
    }
  });

  it('the things passed as own are moved (TypeError when used again); the borrowed ones serve a second call (211 again)', async () => {
    await both('resource_aggregates', host, ({ exports: w }) => {
      const E = w[T];
      const t = make(E);
      const first = call(E, t);
      const moved = owned.map((i) => {
        const again = make(E);
        again[1] = t[i]!;
        return isTypeError(() => call(E, again));
      });
      const t2 = make(E);
      for (const i of borrowed) t2[i] = t[i]!;
      return [first, moved, call(E, t2)];
    }, [211, owned.map(() => true), 211]);
  });
});

describe('conformance group 3: resource_alias', () => {
  it('e1.a({x}) returns one e1.X; e2 (which only aliases x) has no class of its own; e2.a(f, g, h) returns two e1.X and leaves h usable', async () => {
    await both('resource_alias', none, ({ exports: w }) => {
      const e1 = w['test:resource-alias/e1'];
      const e2 = w['test:resource-alias/e2'];
      const x = new e1.X(42);
      const r = e1.a({ x }) as unknown[];
      // the same guest resource comes back (isowasm: the same wrapper, jco: a new one, and x is dead)
      const back = r[0] === x || isTypeError(() => e1.a({ x }));
      const again = e1.a({ x: r[0] }) as unknown[];
      const h = new e1.X(8);
      const r2 = e2.a({ x: new e1.X(7) }, { x: new e1.X(8) }, h) as unknown[];
      const r3 = e2.a({ x: new e1.X(1) }, { x: new e1.X(2) }, h) as unknown[];
      return [
        r.length, r.every((v) => v instanceof e1.X), back, again.length,
        // no class of its own: anything besides `a` must be e1.X itself (isowasm exposes the alias y as e2.Y === e1.X)
        Object.keys(e2).filter((k) => k !== 'a' && e2[k] !== e1.X),
        r2.length, r2.every((v) => v instanceof e1.X), r3.length,
      ];
    }, [1, true, true, 1, [], 2, true, 2]);
  });
});

describe('conformance group 3: resource_alias_redux', () => {
  const A1 = 'test:resource-alias-redux/resource-alias1';
  const A2 = 'test:resource-alias-redux/resource-alias2';
  const host: Host = (log) => {
    let n = 0;
    class Thing {
      readonly id = n++;
      s: string;
      constructor(s: string) {
        log.push(['new Thing', this.id, s]);
        this.s = `${s} HostThing`;
      }
      get(): string {
        log.push(['get', this.id]);
        return `${this.s} HostThing.get`;
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    const id = (t: unknown) => (t instanceof Thing ? t.id : show(t));
    return {
      [A1]: { Thing, a: (f: { thing: Thing }) => { log.push(['a', id(f.thing)]); return [f.thing]; } },
      [A2]: { b: (f: { thing: Thing }, g: { thing: Thing }) => { log.push(['b', id(f.thing), id(g.thing)]); return [f.thing, g.thing]; } },
    };
  };

  it('test([h]) with a host Thing hands back [h] itself', async () => {
    await both('resource_alias_redux', host, ({ exports: w, host: hst }) => {
      const h = new hst[A1].Thing('Ni Hao');
      const r = w.test([h]) as unknown[];
      return [r.length, r[0] === h, h.s];
    }, [1, true, 'Ni Hao HostThing']);
  });

  it('resource-alias1.a and resource-alias2.b return the things of their records', async () => {
    await both('resource_alias_redux', host, ({ exports: w }) => {
      const E1 = w[A1];
      const E2 = w[A2];
      const a = (E1.a({ thing: new E1.Thing('Ciao') }) as Exports[]).map((x) => x.get());
      const b = (E2.b({ thing: new E1.Thing('Ciao') }, { thing: new E1.Thing('Aloha') }) as Exports[]).map((x) => x.get());
      return [a, b];
    }, [
      ['Ciao Thing HostThing HostThing.get Thing.get'],
      ['Ciao Thing HostThing HostThing.get Thing.get', 'Aloha Thing HostThing HostThing.get Thing.get'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('conformance group 3: resources (C guest)', () => {
  const host = yHost();

  it('testImports(): the host sees the documented calls; the stale drops of moved handles dispose Y(30), then Y(30) and Y(50)', async () => {
    const [isowasm] = await both('resources', host, ({ exports: w }) => w.exports.testImports(), undefined);
    const expected: Call[] = [
      ['new Y', 0, 10], ['getA', 0], ['setA', 0, 20], ['getA', 0], ['add', 0, 10], ['new Y', 1, 30], ['getA', 1],
      // the guest drops the handle it moved into add: the slot now holds Y(30)
      ['dispose', 1, 30],
      ['new Y', 2, 1], ['new Y', 3, 2], ['getA', 2], ['getA', 3], ['setA', 2, 10], ['setA', 3, 20], ['getA', 2], ['getA', 3],
      ['add', 2, 20], ['new Y', 4, 30], ['add', 3, 30], ['new Y', 5, 50], ['getA', 4], ['getA', 5],
      ['dispose', 4, 30], ['dispose', 5, 50],
    ];
    deepEqual(isowasm!.log, expected);
  });

  it('exports: X (get/set, static add moves x), Z (add of two borrows, numDropped), consume, KebabCase; moved and dropped objects throw TypeError', async () => {
    await both('resources', host, ({ exports: w }) => {
      const { X, Z, KebabCase } = w.exports as Exports;
      const E = w.exports as Exports;
      const out: unknown[] = [];
      const x = new X(5);
      out.push(x.getA(), x.setA(10), x.getA());
      const x15 = X.add(x, 5);
      // the guest hands back the resource it was given (isowasm: the same wrapper, jco: a new one, the old one dead)
      out.push(x15 instanceof X, x15.getA(), x15 === x || isTypeError(() => x.getA()));
      const z1 = new Z(10);
      const z2 = new Z(20);
      const z = E.add(z1, z2);
      out.push(z instanceof Z, z.getA(), Z.numDropped(), z1.getA(), z2.getA());
      z1[Symbol.dispose]();
      z2[Symbol.dispose]();
      out.push(Z.numDropped(), isTypeError(() => z1.getA()), isTypeError(() => E.add(z1, z)));
      out.push(E.consume(x15), isTypeError(() => x15.getA()));
      const k = new KebabCase(7);
      out.push(k.getA(), KebabCase.takeOwned(k), isTypeError(() => k.getA()));
      return out;
    }, [5, undefined, 10, true, 15, true, true, 30, 1, 10, 20, 3, true, true, undefined, true, 7, 7, true]);
  });
});

describe('conformance group 3: names of exported resource classes', () => {
  it('classes carry their WIT names in PascalCase, as in jco (resources: X, Z, KebabCase; resource_borrow_export: Thing)', async () => {
    await both('resources', () => ({ imports: { Y: class Y {} } }), ({ exports: w }) => [w.exports.X.name, w.exports.Z.name, w.exports.KebabCase.name], ['X', 'Z', 'KebabCase']);
    await both('resource_borrow_export', none, ({ exports: w }) => w['test:resource-borrow-export/test'].Thing.name, 'Thing');
  });
});

describe('conformance group 3: example_guest_export', () => {
  it('backend: Scalars.getA() is 5, new Scalars().getB() is 2, scalarArg(s) is 7 (s stays usable), fetch returns an empty Uint8Array', async () => {
    await both('example_guest_export', none, ({ exports: w }) => {
      const B = w['example:component/backend@0.1.0'];
      const s = new B.Scalars();
      return [w.backend === B, B.Scalars.getA(), s.getB(), B.scalarArg(s), s.getB(), B.fetch('https://example.com/')];
    }, [true, 5, 2, 7, 2, new Uint8Array(0)]);
  });
});

describe('conformance group 3: example_guest_import', () => {
  const host: Host = (log) => {
    let n = 0;
    class Scalars {
      static readonly recorded: unknown[] = [];
      readonly id = n++;
      getB(): number {
        log.push(['getB', this.id]);
        return this.id;
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    return {
      // jco reads the unversioned key; isowasm accepts it for the @0.1.0 import
      'example2:component/backend': {
        Scalars,
        fetch: (s: unknown) => {
          log.push(['fetch', s instanceof Scalars ? s.id : show(s)]);
          Scalars.recorded.push(s);
          return new Scalars();
        },
      },
    };
  };

  it('handle(x) is getB(x) + getB(fetch(x)); fetch receives the host\'s own objects; both are disposed after each call', async () => {
    const runs = await both('example_guest_import', host, ({ exports: w, host: h }) => {
      const S = h['example2:component/backend'].Scalars;
      const x = new S();
      const y = new S();
      const first = [w.front.handle(x), w.front.handle(y)];
      const rec = S.recorded as unknown[];
      const same = [rec[0] === x, rec[1] === y];
      return [...first, ...same, w.front.handle(x), w.front.handle(y), w.front === w['example2:component/front@0.1.0']];
    }, [2, 4, true, true, 4, 6, true]);
    for (const run of runs) {
      // per call: getB(x) and fetch(x), getB(fetched), then both x and the fetched object disposed (in either order)
      equal(run.log.length, 20, `${run.runtime}: host calls ${show(run.log)}`);
      const args = [0, 1, 0, 1];
      const fetched = [2, 3, 4, 5];
      args.forEach((a, i) => {
        const chunk = run.log.slice(i * 5, i * 5 + 5);
        // the guest calls fetch(x) and x.getB() in either order, then getB on the fetched object
        deepEqual(chunk.slice(0, 2).map((d) => `${String(d[0])} ${String(d[1])}`).sort(), [`fetch ${a}`, `getB ${a}`], `${run.runtime}: call ${i + 1}`);
        deepEqual(chunk[2], ['getB', fetched[i]], `${run.runtime}: call ${i + 1}`);
        deepEqual(chunk.slice(3).map((d) => `${String(d[0])} ${String(d[1])}`).sort(), [`dispose ${a}`, `dispose ${fetched[i]}`].sort(), `${run.runtime}: disposes of call ${i + 1}`);
      });
    }
  });
});

describe('conformance group 3: owning', () => {
  const host: Host = (log) => {
    let n = 0;
    class TheResource {
      readonly id = n++;
      constructor(l: unknown) {
        log.push(['new TheResource', this.id, l]);
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    }
    return {
      lists: { foo: (a: unknown) => { log.push(['lists.foo', a]); return a; } },
      'thing-in': { bar: (a: unknown) => { log.push(['thing-in.bar', a]); } },
      'thing-in-and-out': { baz: (a: unknown) => { log.push(['thing-in-and-out.baz', a]); return a; } },
      'test:ownership/both-list-and-resource': {
        TheResource,
        listAndResource: (a: { a: unknown; b: unknown }) => {
          log.push(['listAndResource', { a: a.a, b: a.b instanceof TheResource ? a.b.id : show(a.b) }]);
        },
      },
    };
  };

  it('foo(): the host sees lists.foo, bar, baz, new TheResource, listAndResource, and no dispose of the resource it now owns', async () => {
    const [isowasm] = await both('owning', host, ({ exports: w }) => w.foo(), undefined);
    const thing = { name: 'thing 1', value: ['some value', 'another value'] };
    deepEqual(isowasm!.log, [
      ['lists.foo', [['foo', 'bar']]],
      ['thing-in.bar', thing],
      ['thing-in-and-out.baz', thing],
      ['new TheResource', 0, ['foo', 'bar', 'baz']],
      ['listAndResource', { a: ['foo', 'bar', 'baz'], b: 0 }],
    ]);
  });
});

describe('conformance group 3: rust_xcrate', () => {
  const host: Host = (log) => {
    const mk = (p: string) => {
      let n = 0;
      return class X {
        readonly id = n++;
        constructor() {
          log.push([`${p}.new`, this.id]);
        }
        foo(): void {
          log.push([`${p}.foo`, this.id]);
        }
        [Symbol.dispose](): void {
          log.push([`${p}.dispose`, this.id]);
        }
      };
    };
    return {
      'test:xcrate/a-imports': { a: () => { log.push(['a']); }, X: mk('A.X') },
      'test:xcrate/b-imports': { b: () => { log.push(['b']); }, X: mk('B.X') },
    };
  };

  it('b(): the host sees a(), b(), new A.X, foo, dispose, new B.X, foo, dispose (two distinct classes)', async () => {
    const [isowasm] = await both('rust_xcrate', host, ({ exports: w }) => w.b(), undefined);
    deepEqual(isowasm!.log, [['a'], ['b'], ['A.X.new', 0], ['A.X.foo', 0], ['A.X.dispose', 0], ['B.X.new', 0], ['B.X.foo', 0], ['B.X.dispose', 0]]);
  });

  it('anExportedInterface: new X(), foo(), dispose; afterwards foo() throws a TypeError', async () => {
    await both('rust_xcrate', host, ({ exports: w }) => {
      const I = w.anExportedInterface;
      const x = new I.X();
      const r = [x instanceof I.X, x.foo()];
      x[Symbol.dispose]();
      return [...r, isTypeError(() => x.foo())];
    }, [true, undefined, true]);
  });
});

// ---------------------------------------------------------------------------------------------

/** Asserts `fn` throws an IsowasmError with `code`. */
function isowasmError(fn: () => unknown, code: string, what: string): IsowasmError {
  const e = thrown(fn);
  ok(e instanceof IsowasmError, `${what}: expected an IsowasmError, got ${String(e)}`);
  equal(e.code, code, `${what}: code (${e.message})`);
  return e;
}

describe('conformance group 3: resources.2 and resources.3 (link-only)', () => {
  it('resources.2 instantiates and exposes exports.X, exports.Z, exports.add; new X(1) traps, then the instance is dead', async () => {
    const r: Run = await start('resources.2', 'isowasm');
    const E = r.exports.exports as Exports;
    deepEqual([typeof E.X, typeof E.Z, typeof E.add, typeof E.X.add, typeof E.X.prototype.getA, typeof E.X.prototype.setA], ['function', 'function', 'function', 'function', 'function', 'function']);
    isowasmError(() => new E.X(1), 'TRAP', 'new X(1)');
    isowasmError(() => new E.Z(1), 'INSTANCE_POISONED', 'new Z(1) after the trap');
  });

  it('resources.2: new Z(1) on a fresh instance traps too', async () => {
    const r = await start('resources.2', 'isowasm');
    isowasmError(() => new r.exports.exports.Z(1), 'TRAP', 'new Z(1)');
  });

  it('resources.3 instantiates with a host Y that is never called; add(y) traps', async () => {
    const host: Host = (log) => {
      class Y {
        constructor(a: number) {
          log.push(['new Y', a]);
        }
        getA(): number {
          log.push(['getA']);
          return 0;
        }
        setA(): void {
          log.push(['setA']);
        }
        static add(): Y {
          log.push(['add']);
          return new Y(0);
        }
      }
      return { 'my:resources/imports': { Y } };
    };
    const r = await start('resources.3', 'isowasm', host);
    equal(typeof r.exports.add, 'function');
    deepEqual(r.log, []);
    const y = new r.host['my:resources/imports'].Y(1);
    isowasmError(() => r.exports.add(y), 'TRAP', 'add(y)');
    deepEqual(r.log, [['new Y', 1]], 'the guest called none of Y');
  });
});
