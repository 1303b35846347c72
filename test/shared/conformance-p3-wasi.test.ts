/**
 * The corpus' WASI 0.3 command groups (../shared/conformance-p3/components/{cli,clocks,random,fs})
 * with upstream's expectations (jco's P3_CLI_RUN_FIXTURES, run by its cli-runner.js): each is a
 * `wasi:cli/run@0.3.0` program given its arguments (the file's name, or the ones listed there)
 * and one preopen `/` of an empty directory; `run` must answer ok (the guests, wasmtime's
 * test programs, assert the rest themselves: a failed assertion traps). Upstream does not check
 * what they print; this does too, against the programs' sources (wasmtime's
 * crates/test-programs/src/bin/p3_*.rs and cli_p3_*.rs). Run through the platform's WASI host,
 * as `isowasm run` does.
 */
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import { equal, ok } from '../harness/assert.js';
import { readConformanceP3 } from '../harness/files.js';
import { platform } from '../harness/platform.js';
import { describe, isNode, it } from '../harness/test-api.js';

const dec = new TextDecoder();

interface Fixture {
  readonly path: string;
  /** upstream's arguments (default: the file's name) */
  readonly args?: readonly string[];
  /** what the program prints on stdout and stderr, where wasmtime's tests check it */
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Runs a fixture as upstream does; resolves to what it printed, once `run` answered ok. */
async function runFixture(f: Fixture, more: { untilStdout?: string } = {}) {
  const { loadComponent } = await platform();
  const component = await loadComponent(await readConformanceP3(`components/${f.path}`));
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const name = f.path.split('/').pop()!.replace(/\.wasm$/, '');
  const volume = createMemoryVolume();
  const { exports } = await component.instantiate({
    capabilities: {
      args: f.args ?? [name],
      // upstream runs under a process with an environment (p3-cli asserts it is not empty)
      env: { PATH: '/bin' },
      stdio: { stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()), stdin: null },
      fs: { preopens: { '/': volume } },
    },
  });
  const run = (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!;
  equal(await run.run(), undefined, 'run answers ok');
  const text = (chunks: Uint8Array[]): string => dec.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  // a guest may go on writing after its run answered (its tasks outlive the call): give it turns
  for (let i = 0; more.untilStdout !== undefined && text(out) !== more.untilStdout && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
  return { stdout: text(out), stderr: text(err), volume };
}

const FIXTURES: readonly Fixture[] = [
  { path: 'cli/p3-cli-hello-stdout-post-return.wasm', stdout: 'hello, world\nhello again, after return\n', stderr: '' },
  { path: 'cli/p3-cli-hello-stdout.wasm', stdout: 'hello, world\n', stderr: '' },
  { path: 'cli/p3-cli-much-stdout.wasm', args: ['p3_cli_much_stdout.component', 'hello, world\n', '1'], stdout: 'hello, world\n' },
  { path: 'cli/p3-cli.wasm', args: ['p3_cli.component', '.'], stdout: 'hello stdout\n', stderr: 'hello stderr\n' },
  { path: 'clocks/p3-clocks-sleep.wasm' },
  { path: 'fs/p3-file-write.wasm' },
  { path: 'fs/p3-filesystem-file-read-write.wasm' },
  { path: 'fs/p3-readdir.wasm' },
  { path: 'random/p3-random-imports.wasm' },
];

describe('conformance-p3: WASI 0.3 commands (cli, clocks, random, fs)', () => {
  for (const f of FIXTURES) {
    it(`runs ${f.path} to ok${f.stdout === undefined ? '' : ', printing what the program writes'}`, async () => {
      const { stdout, stderr } = await runFixture(f, f.stdout === undefined ? {} : { untilStdout: f.stdout });
      if (f.stdout !== undefined) equal(stdout, f.stdout);
      if (f.stderr !== undefined) equal(stderr, f.stderr);
    });
  }

  it('the instance\'s after-call hooks run when an export lifted async settles: a persisting volume is flushed after a 0.3 run', async () => {
    let flushes = 0;
    const base = createMemoryVolume();
    const persisting = new Proxy(base, {
      get: (t, k) => (k === 'flush' ? () => { flushes++; } : k === 'async' ? true : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k)),
    });
    const { loadComponent } = await platform();
    const component = await loadComponent(await readConformanceP3('components/random/p3-random-imports.wasm'));
    const { exports } = await component.instantiate({ async: true, capabilities: { args: ['p3-random-imports'], fs: { preopens: { '/': persisting } } } });
    const run = (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!;
    const before = flushes;
    equal(await run.run(), undefined);
    ok(flushes > before, `flushed after the run (${flushes - before} times)`);
  });

  it('cli: p3-cli-much-stdout writes 20,000 lines through one stream, all of them in order', async () => {
    const line = 'hello, world\n';
    const { stdout } = await runFixture({ path: 'cli/p3-cli-much-stdout.wasm', args: ['much', line, '20000'] });
    equal(stdout.length, line.length * 20000);
    equal(stdout, line.repeat(20000));
  });

  it('fs: what p3-file-write leaves in its preopen is on the volume (64 KiB written through a stream; the refused write left nothing)', async () => {
    const { volume } = await runFixture({ path: 'fs/p3-file-write.wasm' });
    const names = volume.readdir([]).map((e) => e.name).sort();
    equal(names.join(','), 'long_write.txt,test-zero-write-fails.txt');
    const bytes = volume.read(['long_write.txt'], 0, 1 << 20);
    equal(bytes.length, 65536);
    equal(dec.decode(bytes.subarray(0, 32)), '123456789 00000 123456789 00001 ');
    equal(volume.lstat(['test-zero-write-fails.txt']).size, 0);
  });

  if (!isNode) {
    it('fs: in a browser, p3-file-write into an IndexedDB volume: a volume opened afresh on the same database holds what it wrote', async () => {
      const { loadComponent, createIndexedDbVolume } = await platform();
      const name = `p3-file-write-${crypto.randomUUID()}`;
      const volume = await createIndexedDbVolume!(name);
      const component = await loadComponent(await readConformanceP3('components/fs/p3-file-write.wasm'));
      const { exports } = await component.instantiate({ capabilities: { fs: { preopens: { '/': volume } } } });
      await (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run();
      const again = await createIndexedDbVolume!(name);
      equal(again.read(['long_write.txt'], 0, 1 << 20).length, 65536);
      equal(again.lstat(['test-zero-write-fails.txt']).size, 0);
    });
  }

  it('fs: without a preopen the guest sees no directory and its run traps (it asserts one exists)', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readConformanceP3('components/fs/p3-readdir.wasm'));
    const { exports } = await component.instantiate({ capabilities: { stdio: { stderr: null } } });
    let failure: unknown = null;
    try {
      await (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run();
    } catch (e) {
      failure = e;
    }
    ok(failure instanceof Error, 'the run failed');
  });

  it('clocks: p3-clocks-sleep waits its 10 ms twice on the monotonic clock', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readConformanceP3('components/clocks/p3-clocks-sleep.wasm'));
    const { exports } = await component.instantiate({});
    const start = performance.now();
    await (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run();
    // two waits of 10 ms each, one after the other: never shorter (a lower bound, not a timing)
    ok(performance.now() - start >= 19, `ran ${performance.now() - start} ms`);
  });

  it('random: withheld randomness stops the run with CAPABILITY_DENIED naming the grant', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readConformanceP3('components/random/p3-random-imports.wasm'));
    const denied: Error[] = [];
    const { exports } = await component.instantiate({ capabilities: { random: false }, onCapabilityDenied: (e) => denied.push(e) });
    let failure: unknown = null;
    try {
      await (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run();
    } catch (e) {
      failure = e;
    }
    ok(failure instanceof Error && /capabilities\.random/.test(failure.message), `failed with ${String(failure)}`);
    ok(denied.length === 1 && /wasi:random\/random@0\.3\.0/.test(denied[0]!.message), denied.map((e) => e.message).join('; '));
  });
});
