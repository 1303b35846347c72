/**
 * Conformance group 5 (WASI-heavy): smoke, hello_stdout, stdout-pollable-hang,
 * utf8-utf16.composed, stdio.composed, env-allow.composed, multi-version.
 *
 * First with the recording stub WASI host: the exact WASI call list the README documents (whose
 * distinct entries are the MANIFEST's `wasiCallsInPassingRun`), the exact bytes written to
 * stdout/stderr, compared with jco's bindings where a reference exists. Then against the real
 * @bytecodealliance/preview2-shim (in Node in a child process whose output is captured, in a
 * browser through the shim's stdout/stderr handlers).
 */
import { IsowasmError } from '../../src/core/index.js';
import { deepEqual, equal, ok, show } from '../harness/assert.js';
import { describe, it, isNode } from '../harness/test-api.js';
import {
  type Host, type RecordingWasi, type Run, type WorkerReport, both, distinct, expectShim, manifestEntry, recordingWasi, runInWorker, runWithShim,
  runtimesOf, start, thrown,
} from './_conformance-hosts-2.js';

const STDIN = 'wasi:cli/stdin#get-stdin';
const STDOUT = 'wasi:cli/stdout#get-stdout';
const STDERR = 'wasi:cli/stderr#get-stderr';
const DIRS = 'wasi:filesystem/preopens#get-directories';
const TERM_STDOUT = 'wasi:cli/terminal-stdout#get-terminal-stdout';
const BWAF = 'wasi:io/streams#[method]output-stream.blocking-write-and-flush';
const ARGS = 'wasi:cli/environment#get-arguments';
const ENV = 'wasi:cli/environment#get-environment';

/** Asserts that the distinct calls of `calls` are the MANIFEST's wasiCallsInPassingRun of `name`. */
async function matchesManifest(name: string, calls: readonly string[], what: string): Promise<void> {
  deepEqual(distinct(calls), (await manifestEntry(name)).wasiCallsInPassingRun, `${what}: distinct WASI calls vs the MANIFEST`);
}

/** A recording stub whose get-arguments returns `args` (and get-environment `env`). */
function wasiWith({ args, env }: { args?: string[]; env?: [string, string][] }): () => RecordingWasi {
  return () => {
    const w = recordingWasi();
    const e = w.imports['wasi:cli/environment'] as Record<string, unknown>;
    if (args) e.getArguments = () => { w.calls.push(ARGS); return args; };
    if (env) e.getEnvironment = () => { w.calls.push(ENV); return env; };
    return w;
  };
}


/**
 * The exports a wasi-virt composition leaves unimplemented: on a fresh instance each call traps
 * (isowasm: IsowasmError TRAP; jco: a wasm trap), the guest's explanation (if any) reaches
 * stderr, and the next call into the same instance fails (isowasm: INSTANCE_POISONED).
 */
async function expectUnimplemented(name: string, calls: Array<[string, unknown[]]>, next: string, stderr: RegExp | null): Promise<void> {
  for (const [fn, args] of calls) {
    for (const runtime of runtimesOf(name)) {
      const r = await start(name, runtime);
      const e = thrown(() => r.exports[fn](...args));
      const again = thrown(() => r.exports[next]());
      if (runtime === 'isowasm') {
        ok(e instanceof IsowasmError, `${fn}: expected an IsowasmError, got ${String(e)}`);
        equal(e.code, 'TRAP', `${fn}: ${e.message}`);
        ok(again instanceof IsowasmError, `${fn}, then ${next}: ${String(again)}`);
        equal(again.code, 'INSTANCE_POISONED', `${fn}, then ${next}`);
      } else {
        ok(e instanceof Error, `jco ${fn}: ${String(e)}`);
        ok(again instanceof Error, `jco ${fn}, then ${next}: ${String(again)}`);
      }
      if (stderr) ok(stderr.test(r.wasi.stderr()), `${runtime} ${fn}: stderr ${show(r.wasi.stderr())} does not match ${String(stderr)}`);
      else equal(r.wasi.stderr(), '', `${runtime} ${fn}: stderr`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('conformance group 5: smoke (stub WASI)', () => {
  const host: Host = (log) => ({ 'test:smoke/imports': { thunk: (...args: unknown[]) => { log.push(['thunk', ...args]); } } });
  const calls = [STDIN, STDOUT, STDERR, DIRS, TERM_STDOUT, BWAF];

  it('thunk() calls the host thunk once, then prints "howdy\\n" with exactly the documented WASI calls', async () => {
    const runs = await both('smoke', host, ({ exports: w }) => w.thunk(), undefined, { noWasi: false });
    for (const r of runs) {
      deepEqual(r.log, [['thunk']], `${r.runtime}: host calls`);
      deepEqual(r.wasi.calls, calls, `${r.runtime}: WASI calls`);
      deepEqual(r.wasi.writes, [['stdout', 'howdy\n']], `${r.runtime}: writes`);
      equal(r.wasi.stdout(), 'howdy\n', `${r.runtime}: stdout`);
      equal(r.wasi.stderr(), '', `${r.runtime}: stderr`);
      await matchesManifest('smoke', r.wasi.calls, r.runtime);
    }
  });

  it('a second thunk() calls the host again and writes nothing further (the guest\'s libc buffers it)', async () => {
    const runs = await both('smoke', host, ({ exports: w }) => [w.thunk(), w.thunk()], [undefined, undefined], { noWasi: false });
    for (const r of runs) {
      deepEqual(r.log, [['thunk'], ['thunk']], `${r.runtime}: host calls`);
      deepEqual(r.wasi.calls, calls, `${r.runtime}: WASI calls`);
      equal(r.wasi.stdout(), 'howdy\n', `${r.runtime}: stdout`);
    }
  });
});

describe('conformance group 5: hello_stdout (stub WASI)', () => {
  const run = ({ exports: w }: Run) => w['wasi:cli/run@0.2.3'].run();
  const expectRun = async (r: Run) => {
    deepEqual(r.wasi.calls, [STDIN, STDOUT, STDERR, DIRS, BWAF, BWAF], `${r.runtime}: WASI calls (no exit)`);
    deepEqual(r.wasi.writes, [['stdout', 'writing to stdout: hello, world\n'], ['stderr', 'writing to stderr: hello, world\n']], `${r.runtime}: writes`);
    equal(r.wasi.stdout(), 'writing to stdout: hello, world\n', `${r.runtime}: stdout`);
    equal(r.wasi.stderr(), 'writing to stderr: hello, world\n', `${r.runtime}: stderr`);
    await matchesManifest('hello_stdout', r.wasi.calls, r.runtime);
  };

  it('run() is ok: exactly one line on stdout and one on stderr, one blocking-write-and-flush per stream, no exit', async () => {
    const runs = await both('hello_stdout', () => ({}), run, undefined, { noWasi: false });
    for (const r of runs) await expectRun(r);
  });

  for (const version of ['0.2.0', '0.2.3']) {
    it(`its @0.2.3 imports find a host registered under @${version} names`, async () => {
      const w = recordingWasi();
      const versioned: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(w.imports)) versioned[`${k}@${version}`] = v;
      const r = await start('hello_stdout', 'isowasm', () => versioned, { wasi: w, drop: Object.keys(w.imports) });
      equal(run(r), undefined);
      await expectRun(r);
    });
  }
});

describe('conformance group 5: stdout-pollable-hang (stub WASI)', () => {
  const calls = [
    STDOUT, 'wasi:io/streams#[method]output-stream.flush', BWAF, 'wasi:io/streams#[method]output-stream.subscribe', 'wasi:io/poll#[method]pollable.block',
  ];
  const expectReport = async (r: WorkerReport, what: string) => {
    ok(r.ok, `${what}: ${String(r.error)} (stderr ${show(r.stderr)})`);
    equal(r.ret, 'undefined', `${what}: run() result`);
    deepEqual(r.calls, calls, `${what}: WASI calls`);
    deepEqual(r.writes, [['stdout', '']], `${what}: one write of zero bytes`);
    equal(r.stdout, '', `${what}: stdout`);
    equal(r.stderr, '', `${what}: stderr`);
    await matchesManifest('stdout-pollable-hang', r.calls!, what);
  };

  it('run() is ok within 10 s (run in a worker): get-stdout, flush, a zero-byte write, subscribe, block', async () => {
    await expectReport(await runInWorker('stdout-pollable-hang', 'wasi:cli/run@0.2.0', 10_000), 'isowasm');
  });

  it('jco\'s bindings make the same calls', async () => {
    const r = await start('stdout-pollable-hang', 'jco');
    const ret: unknown = r.exports['wasi:cli/run@0.2.0'].run();
    await expectReport({ ok: true, ret: ret === undefined ? 'undefined' : String(ret), calls: r.wasi.calls, writes: r.wasi.writes, stdout: r.wasi.stdout(), stderr: r.wasi.stderr() }, 'jco');
  });
});

describe('conformance group 5: utf8-utf16.composed (stub WASI)', () => {
  const run = ({ exports: w }: Run) => w['wasi:cli/run@0.2.0'].run();
  const documented = [ARGS, STDIN, STDOUT, STDERR, DIRS, TERM_STDOUT, BWAF];

  it('run() with ["prog", "asdf中文🀄️⏰"] prints the argument doubled, UTF-8 -> UTF-16 -> UTF-8 between two memories', async () => {
    const arg = 'asdf中文🀄️⏰';
    const runs = await both('utf8-utf16.composed', () => ({}), run, undefined, { noWasi: false, makeWasi: wasiWith({ args: ['prog', arg] }) });
    for (const r of runs) {
      equal(r.wasi.stdout(), `ret: ${arg}${arg}\n`, `${r.runtime}: stdout`);
      equal(r.wasi.stderr(), '', `${r.runtime}: stderr`);
      deepEqual(distinct(r.wasi.calls), documented, `${r.runtime}: distinct WASI calls`);
      equal(r.wasi.calls.filter((c) => c !== ARGS && c !== BWAF).length, 5, `${r.runtime}: each get-* once: ${show(r.wasi.calls)}`);
      await matchesManifest('utf8-utf16.composed', r.wasi.calls, r.runtime);
    }
    if (runs.length === 2) deepEqual(runs[0]!.wasi.calls, runs[1]!.wasi.calls, 'WASI calls, isowasm vs jco');
  });

  it('["x", "a", "b"] prints "ret: aa\\n"; no argument after the program name prints "ret: \\n"', async () => {
    for (const [args, out] of [[['x', 'a', 'b'], 'ret: aa\n'], [['x'], 'ret: \n']] as const) {
      const runs = await both('utf8-utf16.composed', () => ({}), run, undefined, { noWasi: false, makeWasi: wasiWith({ args: [...args] }) });
      for (const r of runs) equal(r.wasi.stdout(), out, `${r.runtime}: stdout for ${show(args)}`);
    }
  });
});

describe('conformance group 5: stdio.composed (stub WASI)', () => {
  it('testStdio() prints "Hello world\\n" with get-stdout and one blocking-write-and-flush (a stream handle crosses the virtualisation layer)', async () => {
    const runs = await both('stdio.composed', () => ({}), ({ exports: w }) => w.testStdio(), undefined, { noWasi: false });
    for (const r of runs) {
      deepEqual(r.wasi.calls, [STDOUT, BWAF], `${r.runtime}: WASI calls`);
      deepEqual(r.wasi.writes, [['stdout', 'Hello world\n']], `${r.runtime}: writes`);
      equal(r.wasi.stderr(), '', `${r.runtime}: stderr`);
      await matchesManifest('stdio.composed', r.wasi.calls, r.runtime);
    }
  });

  it('the other three exports trap (unreachable in this build) and leave the instance dead', async () => {
    await expectUnimplemented('stdio.composed', [['testGetEnv', []], ['testGetConfig', []], ['testFileRead', ['/x']]], 'testStdio', null);
  });
});

describe('conformance group 5: env-allow.composed (stub WASI)', () => {
  it('testGetEnv() is [["CUSTOM", "VAL"]] from the virtualised environment; the host\'s variables are not passed through', async () => {
    const env: [string, string][] = [['HOST_ONLY', '1'], ['CUSTOM', 'HOST']];
    const runs = await both('env-allow.composed', () => ({}), ({ exports: w }) => w.testGetEnv(), [['CUSTOM', 'VAL']], { noWasi: false, makeWasi: wasiWith({ env }) });
    for (const r of runs) {
      ok(r.wasi.calls.length >= 1, `${r.runtime}: get-environment is called`);
      deepEqual(distinct(r.wasi.calls), [ENV], `${r.runtime}: WASI calls ${show(r.wasi.calls)}`);
      equal(r.wasi.stdout() + r.wasi.stderr(), '', `${r.runtime}: no output`);
      await matchesManifest('env-allow.composed', r.wasi.calls, r.runtime);
    }
    if (runs.length === 2) deepEqual(runs[0]!.wasi.calls, runs[1]!.wasi.calls, 'WASI calls, isowasm vs jco');
  });

  it('the other three exports panic ("not implemented" on the host\'s stderr), trap, and leave the instance dead', async () => {
    await expectUnimplemented('env-allow.composed', [['testGetConfig', []], ['testFileRead', ['/x']], ['testStdio', []]], 'testGetEnv',
      /^thread '<unnamed>' panicked at [^\n]+:\nnot implemented\n/);
  });

  it('with an empty host environment too', async () => {
    await both('env-allow.composed', () => ({}), ({ exports: w }) => w.testGetEnv(), [['CUSTOM', 'VAL']], { noWasi: false, makeWasi: wasiWith({ env: [] }) });
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * A monotonic clock whose pollables become ready after their duration and a blocking `poll`,
 * under the given versions ('' = unversioned keys serving both). `shared`: one Pollable class
 * for every version. Pushes `<interface>@<version>#<function>` to the stub's calls, and
 * `[fn, version, ...]` to the host log.
 */
function clockHost(wasi: RecordingWasi, versions: string[], shared: boolean): Host {
  return (log) => {
    let n = 0;
    const pollableClass = (v: string) => class Pollable {
      readonly id = n++;
      readonly version = v;
      constructor(readonly at: number) {}
      ready(): boolean {
        return performance.now() >= this.at;
      }
      block(): void {
        while (!this.ready()) { /* wait */ }
      }
      [Symbol.dispose](): void {
        log.push(['dispose', this.id]);
      }
    };
    const Shared = pollableClass('');
    const out: Record<string, unknown> = {};
    for (const v of versions) {
      const at = v ? `@${v}` : '';
      const P = shared ? Shared : pollableClass(v);
      out[`wasi:clocks/monotonic-clock${at}`] = {
        now: () => BigInt(Math.round(performance.now() * 1e6)),
        resolution: () => 1n,
        subscribeDuration: (d: bigint) => {
          wasi.calls.push(`wasi:clocks/monotonic-clock${at}#subscribe-duration`);
          const p = new P(performance.now() + Number(d) / 1e6);
          log.push(['subscribe-duration', v, d, p.id]);
          return p;
        },
        subscribeInstant: (i: bigint) => new P(Number(i) / 1e6),
      };
      out[`wasi:io/poll${at}`] = {
        Pollable: P,
        poll: (list: InstanceType<typeof Shared>[]) => {
          wasi.calls.push(`wasi:io/poll${at}#poll`);
          log.push(['poll', v, list.map((p) => (p instanceof P ? p.id : show(p)))]);
          while (!list.some((p) => p.ready())) { /* block */ }
          return new Uint32Array(list.flatMap((p, i) => (p.ready() ? [i] : [])));
        },
      };
    }
    return out;
  };
}

describe('conformance group 5: multi-version (stub WASI)', () => {
  const CLOCK_KEYS = ['wasi:io/poll', 'wasi:clocks/monotonic-clock'];

  it('test() goes through monotonic-clock and poll @0.2.0, then @0.2.1, each with its own host; about 20 ms', async () => {
    const wasi = recordingWasi();
    const r = await start('multi-version', 'isowasm', clockHost(wasi, ['0.2.0', '0.2.1'], false), { wasi, drop: CLOCK_KEYS });
    const t0 = performance.now();
    equal(r.exports.test(), undefined);
    const ms = performance.now() - t0;
    ok(ms >= 19, `test() took ${ms} ms, expected about 20 ms (two 10 ms waits)`);
    deepEqual(r.log, [
      ['subscribe-duration', '0.2.0', 10_000_000n, 0], ['poll', '0.2.0', [0]], ['dispose', 0],
      ['subscribe-duration', '0.2.1', 10_000_000n, 1], ['poll', '0.2.1', [1]], ['dispose', 1],
    ]);
    deepEqual(wasi.calls, [
      'wasi:clocks/monotonic-clock@0.2.0#subscribe-duration', 'wasi:io/poll@0.2.0#poll',
      'wasi:clocks/monotonic-clock@0.2.1#subscribe-duration', 'wasi:io/poll@0.2.1#poll',
    ]);
    await matchesManifest('multi-version', wasi.calls, 'isowasm');
  });

  it('one unversioned host (one Pollable class) may serve both versions; jco\'s bindings make the same calls', async () => {
    const runs: Run[] = [];
    for (const runtime of runtimesOf('multi-version')) {
      const wasi = recordingWasi();
      const r = await start('multi-version', runtime, clockHost(wasi, [''], true), { wasi });
      equal(r.exports.test(), undefined, runtime);
      deepEqual(r.log, [
        ['subscribe-duration', '', 10_000_000n, 0], ['poll', '', [0]], ['dispose', 0],
        ['subscribe-duration', '', 10_000_000n, 1], ['poll', '', [1]], ['dispose', 1],
      ], runtime);
      deepEqual(r.wasi.writes, [], runtime);
      runs.push(r);
    }
    if (runs.length === 2) deepEqual(runs[0]!.wasi.calls, runs[1]!.wasi.calls, 'WASI calls, isowasm vs jco');
  });
});

// ---------------------------------------------------------------------------------------------

describe(`conformance group 5: the real @bytecodealliance/preview2-shim as WASI host (${isNode ? 'Node, in a child process' : 'browser, captured through the shim\'s handlers'})`, () => {
  it('hello_stdout: run() is ok, stdout and stderr exactly one line each', async () => {
    const r = await runWithShim({ name: 'hello_stdout', call: ['wasi:cli/run@0.2.3', 'run'], env: {}, args: ['hello_stdout'] });
    expectShim(r, undefined, 'writing to stdout: hello, world\n', 'writing to stderr: hello, world\n');
  });

  it('smoke: thunk() calls the host thunk once and prints "howdy\\n"', async () => {
    const r = await runWithShim({ name: 'smoke', call: ['thunk'], env: {}, args: ['smoke'] });
    expectShim(r, undefined, 'howdy\n');
    deepEqual(r.hostCalls, ['thunk']);
  });

  it('utf8-utf16.composed: run() with ["prog", "asdf中文🀄️⏰"] prints the argument doubled', async () => {
    const r = await runWithShim({ name: 'utf8-utf16.composed', call: ['wasi:cli/run@0.2.0', 'run'], env: {}, args: ['prog', 'asdf中文🀄️⏰'] });
    expectShim(r, undefined, 'ret: asdf中文🀄️⏰asdf中文🀄️⏰\n');
  });

  it('stdio.composed: testStdio() prints "Hello world\\n"', async () => {
    const r = await runWithShim({ name: 'stdio.composed', call: ['testStdio'], env: {}, args: ['stdio'] });
    expectShim(r, undefined, 'Hello world\n');
  });

  it('env-allow.composed: testGetEnv() is [["CUSTOM", "VAL"]] whatever the host environment', async () => {
    const r = await runWithShim({ name: 'env-allow.composed', call: ['testGetEnv'], env: { HOST_ONLY: '1', CUSTOM: 'HOST' }, args: ['env'] });
    expectShim(r, [['CUSTOM', 'VAL']], '');
  });

  it(`multi-version: test() waits twice 10 ms through both versions' clock and poll${isNode ? '' : ' (the browser shim\'s poll returns a promise: JSPI)'}`, async () => {
    const r = await runWithShim({
      name: 'multi-version', call: ['test'], env: {}, args: ['multi-version'],
      // the browser shim's poll can't block: it returns a promise, which the guest awaits through JSPI
      ...(isNode ? {} : { async: { imports: ['wasi:io/poll#poll'], exports: ['test'] } }),
    });
    expectShim(r, undefined, '');
    ok((r.ms ?? 0) >= 19, `test() took ${String(r.ms)} ms, expected about 20 ms`);
  });
});
