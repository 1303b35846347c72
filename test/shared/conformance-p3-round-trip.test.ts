/**
 * The corpus' round-trip group (../shared/conformance-p3/components/round-trip), with the
 * expectations of upstream's tests (jco's ported wasmtime round_trip scenarios): three calls at
 * once into one instance of an export lifted `async` with a callback; the guest calls the host's
 * function lowered `async`, which answers after a few turns of the event loop, and returns its
 * result with `task.return`. The stackless (callback) form runs without JSPI; the stackful form,
 * waits inside the guest and synchronously lowered host calls use it.
 */
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readConformanceP3 } from '../harness/files.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

const inputs = ['hello, world!', '¡hola, mundo!', "hi y'all!"];

async function yieldTimes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function roundTripHost(input: string): Promise<string> {
  await yieldTimes(5);
  return `${input} - entered host - exited host`;
}

const expected = (input: string): string => `${input} - entered guest - entered host - exited host - exited guest`;

function manyArguments(input: string): unknown[] {
  const stuff = { a: new Int32Array(42).fill(42), b: true, c: 424242n };
  return [input, 42, new Uint8Array(42).fill(42), [4242n, 424242424242n], stuff, stuff, { tag: 'err', val: undefined }];
}

async function manyHost(...args: unknown[]): Promise<unknown[]> {
  await yieldTimes(5);
  return [`${args[0] as string} - entered host - exited host`, ...args.slice(1)];
}

async function load(name: string) {
  const { loadComponent } = await platform();
  return loadComponent(await readConformanceP3(`components/round-trip/${name}.wasm`));
}

describe('conformance-p3: round trips through async exports and imports', () => {
  it('direct stackless: a world-level async export calls a world-level async host import', async () => {
    const { exports } = await (await load('async-round-trip-direct-stackless')).instantiate({ imports: { foo: { default: roundTripHost } } });
    const foo = (exports as { foo(s: string): Promise<string> }).foo;
    const p = foo(inputs[0]!);
    ok(p instanceof Promise, 'an async export returns a promise');
    deepEqual(await Promise.all([p, ...inputs.slice(1).map((x) => foo(x))]), inputs.map(expected));
  });

  it('indirect stackless: local:local/baz#foo, three calls at once', async () => {
    const { exports } = await (await load('async-round-trip-stackless')).instantiate({ imports: { 'local:local/baz': { foo: roundTripHost } } });
    const baz = (exports as { baz: { foo(s: string): Promise<string> } }).baz;
    deepEqual(await Promise.all(inputs.map((x) => baz.foo(x))), inputs.map(expected));
  });

  it('many stackless: seven arguments of every shape (lists, u64s, records, a result) both ways', async () => {
    const { exports } = await (await load('async-round-trip-many-stackless')).instantiate({ imports: { 'local:local/many': { foo: manyHost } } });
    const many = (exports as { many: { foo(...a: unknown[]): Promise<unknown[]> } }).many;
    const outputs = await Promise.all(inputs.map((x) => many.foo(...manyArguments(x))));
    deepEqual(outputs, inputs.map((x) => manyArguments(expected(x))));
  });

  // the rest of upstream's list, and the stackful ones upstream skips: guests that block inside a
  // task (waitable-set.wait, stackful lifts, synchronously lowered host calls) run under JSPI
  // (`async: true`); their tasks wait for the instance's lock, so three calls still interleave
  for (const [name, many] of [
    ['async-round-trip-wait', false], ['async-round-trip-synchronous', false], ['async-round-trip-stackless-sync-import', false],
    ['async-round-trip-stackful', false], ['async-round-trip-many-synchronous', true], ['async-round-trip-many-wait', true],
    ['async-round-trip-many-stackful', true],
  ] as const) {
    it(`${name.replace('async-round-trip-', '')}: three calls at once, under JSPI`, async () => {
      const component = await load(name);
      if (many) {
        const { exports } = await component.instantiate({ async: true, imports: { 'local:local/many': { foo: manyHost } } });
        const m = (exports as { many: { foo(...a: unknown[]): Promise<unknown[]> } }).many;
        deepEqual(await Promise.all(inputs.map((x) => m.foo(...manyArguments(x)))), inputs.map((x) => manyArguments(expected(x))));
      } else {
        const { exports } = await component.instantiate({ async: true, imports: { 'local:local/baz': { foo: roundTripHost } } });
        const baz = (exports as { baz: { foo(s: string): Promise<string> } }).baz;
        deepEqual(await Promise.all(inputs.map((x) => baz.foo(x))), inputs.map(expected));
      }
    });
  }

  it('a host that answers at once (no promise): the guest gets its result without a subtask', async () => {
    const { exports } = await (await load('async-round-trip-stackless')).instantiate({ imports: { 'local:local/baz': { foo: (s: string) => `${s} - entered host - exited host` } } });
    equal(await (exports as { baz: { foo(s: string): Promise<string> } }).baz.foo('now'), expected('now'));
  });

  it('a host whose promise rejects: the call fails with the host\'s error and the instance is ended', async () => {
    const { exports } = await (await load('async-round-trip-stackless')).instantiate({ imports: { 'local:local/baz': { foo: async () => { await yieldTimes(2); throw new Error('upstream down'); } } } });
    const baz = (exports as { baz: { foo(s: string): Promise<string> } }).baz;
    await rejects(baz.foo('x'), { code: 'HOST_ERROR', message: /upstream down/ });
    await rejects(baz.foo('y'), { code: 'INSTANCE_POISONED' });
  });
});
