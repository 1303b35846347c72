/**
 * Core modules handed in compiled (`Component.compile(bytes, { modules })`, what workerd needs)
 * and the stripped components `isowasm bundle` writes: they load and run with the right modules,
 * and every wrong hand-in (missing, left over, another module under a right key, none at all for
 * a stripped component) is a LOAD_FAILED that says what to do.
 */
import { Component, IsowasmError, coreModuleKey, parseComponent, stripCoreModules, strippedModule } from '../../src/core/index.js';
import { equal, ok, rejects } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

async function compileAll(modules: readonly { key: string; bytes: Uint8Array }[]): Promise<Record<string, WebAssembly.Module>> {
  return Object.fromEntries(await Promise.all(modules.map(async (m) => [m.key, await WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>)] as const)));
}

async function loadFailed(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await rejects(p, { code: 'LOAD_FAILED', message: pattern });
  ok(e instanceof IsowasmError);
}

describe('pre-compiled core modules', () => {
  it('a stripped component runs with its modules, and is a fraction of the size', async () => {
    const bytes = await readConformance('adder');
    const { component, modules } = await stripCoreModules(bytes);
    ok(modules.length >= 1);
    ok(component.length < bytes.length, `${component.length} < ${bytes.length}`);
    const model = parseComponent(component);
    ok(model.allModules.every((m) => strippedModule(m.bytes) !== null), 'every module stripped');
    equal(strippedModule(model.allModules[0]!.bytes)!.key, modules[0]!.key);
    const loaded = await Component.compile(component, { modules: await compileAll(modules) });
    equal(loaded.exports.map((e) => e.name).join(), 'docs:adder/add@0.1.0');
    equal((await loaded.instantiate()).exports.add.add(40, 2), 42);
  });

  it('a whole component takes its modules too (keys are the SHA-256 of each module)', async () => {
    const bytes = await readFixture('c-cli');
    const model = parseComponent(bytes);
    const given: Record<string, WebAssembly.Module> = {};
    for (const m of model.allModules) given[await coreModuleKey(m.bytes)] = await WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>);
    ok(Object.keys(given).every((k) => /^[0-9a-f]{64}$/.test(k)));
    const loaded = await Component.compile(bytes, { modules: given });
    ok(loaded.exports.some((e) => e.name.startsWith('wasi:cli/run')));
  });

  it('nested components are stripped as well, and a stripped component is not stripped again', async () => {
    const bytes = await readFixture('c-cli');
    const { component, modules } = await stripCoreModules(bytes);
    equal(parseComponent(component).allModules.length, parseComponent(bytes).allModules.length);
    ok(modules.length >= 2, `c-cli has its program and the preview1 adapter: ${modules.length}`);
    await rejects(stripCoreModules(component), { code: 'INVALID_BINARY', message: /stripped already/ });
    await Component.compile(component, { modules: await compileAll(modules) });
  });

  it('refuses a stripped component without its modules, or with one missing', async () => {
    const { component, modules } = await stripCoreModules(await readFixture('c-cli'));
    await loadFailed(Component.compile(component), /stripped.*options\.modules/);
    const some = await compileAll(modules.slice(1));
    await loadFailed(Component.compile(component, { modules: some }), new RegExp(`lacks 1 of them: '${modules[0]!.key}'`));
  });

  it('refuses modules the component does not contain, and another module under a right key', async () => {
    const adder = await stripCoreModules(await readConformance('adder'));
    const cli = await stripCoreModules(await readFixture('c-cli'));
    const right = await compileAll(adder.modules);
    const other = await compileAll(cli.modules);
    await loadFailed(Component.compile(adder.component, { modules: { ...right, ...other } }), /does not contain.*another component/);
    const swapped = { [adder.modules[0]!.key]: Object.values(other)[0]! };
    await loadFailed(Component.compile(adder.component, { modules: swapped }), /does not have the function imports and exports.*isowasm bundle again/);
  });

  it('checks what it is given', async () => {
    const bytes = await readConformance('adder');
    const key = await coreModuleKey(parseComponent(bytes).allModules[0]!.bytes);
    await rejects(Component.compile(bytes, { modules: { [key]: new Uint8Array(8) as never } }), { name: 'TypeError', message: /must be a WebAssembly\.Module/ });
    await rejects(Component.compile(bytes, { modules: null as never }), { name: 'TypeError' });
  });

  it('modules rewritten ahead for limits (rewrittenFor, as isowasm bundle --fuel writes them) run metered; other limits are refused, saying why', async () => {
    const { rewriteModule, variantOf } = await import('../../src/core/meter/variant.js');
    const { component, modules } = await stripCoreModules(await readFixture('offload-guest'));
    const limits = { fuel: 50_000 };
    const metered = modules.map((m) => ({ key: m.key, bytes: rewriteModule(m.bytes, variantOf(limits), m.key) }));
    const loaded = await Component.compile(component, { modules: await compileAll(metered), rewrittenFor: limits });
    const inst = await loaded.instantiate({ limits });
    const g = inst.exports as { add(a: number, b: number): number; forever(): void };
    equal(g.add(40, 2), 42);
    await rejects(Promise.resolve().then(() => g.forever()), { code: 'OUT_OF_FUEL' });
    await rejects(loaded.instantiate(), { code: 'UNSUPPORTED', message: /bundle it again with these limits/ });
    // modules handed in as they are can't take limits that rewrite them: refused, not silently ignored
    const plain = await Component.compile(component, { modules: await compileAll(modules) });
    await rejects(plain.instantiate({ limits: { memoryBytes: 4 * 65536 } }), { code: 'UNSUPPORTED', message: /given pre-compiled \(as they are\)/ });
    // metered modules without rewrittenFor: their extra import makes them another module's
    await loadFailed(Component.compile(component, { modules: await compileAll(metered) }), /does not have the function imports and exports/);
  });
});
