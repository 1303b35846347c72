/**
 * Instantiating one loaded component again and again, with import objects that differ, change or
 * lose members between instantiations. Whatever the linker reuses or defers between instances
 * (compiled modules, host functions' types and adapters made on first use), each instance must
 * call the functions its own imports held when it was made, and a bad import object must fail
 * with the same error as it would on a freshly loaded component.
 */
import { type Component, IsowasmError, loadComponent } from '../../src/core/index.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { stubWasi } from '../harness/wasi-stub.js';
import { thingHost } from './_conformance-hosts-2.js';
import { type Call, numbersHost } from './_conformance-hosts.js';

type Fn = (...a: any[]) => any;

/** A correct host for the hostile-imports fixture (see test/fixtures/hostile-imports.wat). */
function host(count = 41, name = 'isowasm'): Record<string, unknown> {
  const store = new Map<number, number>();
  return {
    log: () => undefined,
    getCount: () => count,
    name: () => name,
    'acme:host/clock': { now: () => 123n },
    'acme:host/store': { get: (k: number) => store.get(k) ?? 0, put: (k: number, v: number) => { store.set(k, v); } },
  };
}

/** A freshly loaded copy: nothing made for earlier instances can be reused by it. */
async function fresh(fixture: string): Promise<Component> {
  return loadComponent(await readFixture(fixture));
}

/** Instantiating `c` and a fresh copy of it with the same options fails the same way. */
async function sameFailure(c: Component, fixture: string, imports: Record<string, unknown>, code: string): Promise<void> {
  const a = await rejects(() => c.instantiate({ imports }), { instanceOf: IsowasmError, code }) as IsowasmError;
  const b = await rejects(async () => (await fresh(fixture)).instantiate({ imports }), { instanceOf: IsowasmError, code }) as IsowasmError;
  equal(a.message, b.message, 'the message on a component instantiated before');
  deepEqual(a.details, b.details, 'the details on a component instantiated before');
}

describe('instantiate again: import objects that differ between instances', () => {
  it('two import objects: each instance calls its own functions, and keeps them', async () => {
    const c = await fresh('hostile-imports');
    const a = (await c.instantiate({ imports: host(41, 'a') })).exports as Record<string, Fn>;
    const b = (await c.instantiate({ imports: host(99, 'bbbb') })).exports as Record<string, Fn>;
    equal(a.callCount!(), 42);
    equal(b.callCount!(), 100);
    equal(a.nameLength!(), 1);
    equal(b.nameLength!(), 4);
    // each has its own store behind the same interface
    equal(a.callStore!(1, 5), 5);
    equal(b.callStore!(2, 7), 7);
    equal(a.callStore!(2, 0), 0);
    equal(a.callCount!(), 42, 'the first instance still calls its own getCount');
  });

  it('the same import object with a function replaced: a new instance calls the new one, an old one the old', async () => {
    const c = await fresh('hostile-imports');
    const imports = host(1);
    const before = (await c.instantiate({ imports })).exports as Record<string, Fn>;
    equal(before.callCount!(), 2);
    imports.getCount = () => 10;
    (imports['acme:host/clock'] as Record<string, Fn>).now = () => 7n;
    const after = (await c.instantiate({ imports })).exports as Record<string, Fn>;
    equal(after.callCount!(), 11);
    equal(after.callNow!(), 7n, 'a replaced member of an interface object');
    equal(before.callCount!(), 2, 'the earlier instance keeps the function it was made with');
    equal(before.callNow!(), 123n);
    // a whole interface object replaced
    imports['acme:host/clock'] = { now: () => 8n };
    equal(((await c.instantiate({ imports })).exports as Record<string, Fn>).callNow!(), 8n);
  });

  it('an import missing after a successful instantiation: the same MISSING_IMPORTS as on a fresh component', async () => {
    const c = await fresh('hostile-imports');
    const imports = host();
    await c.instantiate({ imports });
    delete imports.name;
    await sameFailure(c, 'hostile-imports', imports, 'MISSING_IMPORTS');
    const e = await rejects(() => c.instantiate({ imports }), { code: 'MISSING_IMPORTS' }) as IsowasmError;
    deepEqual((e.details as { missing: string[] }).missing, ['name']);
    // an interface member gone, on an interface object that served before
    const again = host();
    await c.instantiate({ imports: again });
    delete (again['acme:host/store'] as Record<string, unknown>).put;
    await sameFailure(c, 'hostile-imports', again, 'MISSING_IMPORTS');
    // and back: the complete object works again
    imports.name = () => 'back';
    equal(((await c.instantiate({ imports })).exports as Record<string, Fn>).nameLength!(), 4);
  });

  it('an import of the wrong shape after a successful instantiation: the same IMPORT_MISMATCH as on a fresh component', async () => {
    const c = await fresh('hostile-imports');
    const imports = host();
    await c.instantiate({ imports });
    imports.getCount = 42;
    await sameFailure(c, 'hostile-imports', imports, 'IMPORT_MISMATCH');
    imports.getCount = () => 1;
    imports['acme:host/clock'] = 5;
    await sameFailure(c, 'hostile-imports', imports, 'IMPORT_MISMATCH');
    imports['acme:host/clock'] = { now: () => 1n };
    equal(((await c.instantiate({ imports })).exports as Record<string, Fn>).callCount!(), 2);
  });
});

describe('instantiate again: nested components and host resources', () => {
  it('numbers (a guest inside a nested component): each instance reaches only its own host', async () => {
    const c = await loadComponent(await readConformance('numbers'));
    const logs: Call[][] = [[], []];
    const hosts = logs.map((log) => ({ ...stubWasi().imports, ...numbersHost()(log) }));
    const a = (await c.instantiate({ imports: hosts[0] })).exports;
    const b = (await c.instantiate({ imports: hosts[1] })).exports;
    a.testImports();
    ok(logs[0]!.length > 0, 'the first host saw the calls of the first instance');
    equal(logs[1]!.length, 0, 'the second host saw none of them');
    b.testImports();
    equal(logs[1]!.length, logs[0]!.length, 'the second host saw its own instance\'s calls');
    equal(a['test:numbers/test'].getScalar(), 0, 'the guest\'s own export, not the host\'s import');
  });

  it('numbers: a missing function of a nested component\'s import after a successful instance', async () => {
    const bytes = await readConformance('numbers');
    const c = await loadComponent(bytes);
    const imports = { ...stubWasi().imports, ...numbersHost()([]) };
    await c.instantiate({ imports });
    const iface = { ...(imports['test:numbers/test'] as Record<string, unknown>) };
    delete iface.roundtripU8;
    const without = { ...imports, 'test:numbers/test': iface };
    const e1 = await rejects(() => c.instantiate({ imports: without }), { code: 'MISSING_IMPORTS' }) as IsowasmError;
    const e2 = await rejects(async () => (await loadComponent(bytes)).instantiate({ imports: without }), { code: 'MISSING_IMPORTS' }) as IsowasmError;
    equal(e1.message, e2.message);
    deepEqual(e1.details, e2.details);
    ok(/roundtrip-u8/.test(e1.message), e1.message);
  });

  it('resource_import_and_export: two hosts with their own Thing classes; each instance makes its host\'s things', async () => {
    const c = await loadComponent(await readConformance('resource_import_and_export'));
    const T = 'test:resource-import-and-export/test';
    const logs: Call[][] = [[], []];
    const hosts = logs.map((log) => ({ ...stubWasi().imports, ...thingHost()(log) }));
    const [a, b] = [(await c.instantiate({ imports: hosts[0] })).exports, (await c.instantiate({ imports: hosts[1] })).exports];
    const ta = new a[T].Thing(1);
    equal(ta.foo(), 7);
    equal(logs[1]!.length, 0, 'the second host saw nothing of the first instance');
    const tb = new b[T].Thing(10);
    equal(tb.foo(), 16);
    ok(logs[1]!.some((x) => x[0] === 'new Thing'), 'the second host made its own Thing');
    // a host thing of the first host, handed to the second instance, is the first host's class
    const HostThing = (hosts[0]![T] as { Thing: new (v: number) => object }).Thing;
    const h = new HostThing(3);
    equal(a.toplevelExport(h), h);
  });
});
