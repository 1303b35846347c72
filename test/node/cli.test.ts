/**
 * The `isowasm` command, spawned as a user runs it (bin/isowasm.js, which loads dist/cli.js).
 * Fixtures: build/fixtures/c-cli.wasm prints its arguments and GREETING and exits with its first
 * argument (through wasi:cli/exit#exit-with-code when the second is "exit-with-code");
 * build/fixtures/fs-ops.wasm runs file operations; conformance components for `call`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startServe } from '../harness/cli.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = runCli;
const cCli = 'build/fixtures/c-cli.wasm';
const fsOps = 'build/fixtures/fs-ops.wasm';
const adder = 'test/conformance/components/adder.wasm';
const numbers = 'test/conformance/components/numbers.wasm';
const records = 'test/conformance/components/records.wasm';
const resources = 'test/conformance/components/resources.wasm';
const results = 'test/conformance/components/results.wasm';
const greeting = (out: string) => /^GREETING=(.*)$/m.exec(out)?.[1];
const guestArgs = (out: string) => [...out.matchAll(/^arg \d+: (.*)$/gm)].map((m) => m[1]);

// host imports for `call --imports`, as a user writes them: default export, or export `imports`
const hostDir = mkdtempSync(join(tmpdir(), 'isowasm-cli-'));
const numbersHost = join(hostDir, 'numbers.mjs');
writeFileSync(numbersHost, `
  const id = (x) => x;
  let scalar = 0;
  export default {
    'test:numbers/test': {
      roundtripU8: id, roundtripS8: id, roundtripU16: id, roundtripS16: id, roundtripU32: id, roundtripS32: id,
      roundtripU64: id, roundtripS64: id, roundtripF32: id, roundtripF64: id, roundtripChar: id,
      setScalar(v) { scalar = v; }, getScalar: () => scalar,
    },
  };
`);
const recordsHost = join(hostDir, 'records.mjs');
writeFileSync(recordsHost, `
  const id = (x) => x;
  export const imports = {
    'test:records/test': {
      multipleResults: () => [4, 5], swapTuple: ([a, b]) => [b, a], roundtripFlags1: id, roundtripFlags2: id,
      roundtripFlags3: (a, b, c) => [a, b, c], roundtripRecord1: id, tuple1: id,
    },
  };
`);
const resourcesHost = join(hostDir, 'resources.mjs');
writeFileSync(resourcesHost, `
  class Y {
    constructor(a) { this.a = a; }
    getA() { return this.a; }
    setA(a) { this.a = a; }
    static add(y, a) { return new Y(y.a + a); }
  }
  export default { imports: { Y } };
`);
const resultsHost = join(hostDir, 'results.mjs');
writeFileSync(resultsHost, `
  const fail = (err) => (a) => { if (a === 0) throw err; return a; };
  export default {
    'test:results/test': {
      stringError: fail('zero'), enumError: fail('b'), recordError: fail({ line: 1, column: 2 }),
      variantError: fail({ tag: 'e1', val: 'a' }), emptyError: fail(undefined), doubleError: fail('x'),
    },
  };
`);
const notAnObject = join(hostDir, 'not-an-object.mjs');
writeFileSync(notAnObject, 'export const something = 1;\nexport default 42;\n');

describe('isowasm run: wasmtime\'s order, and the old one where it is unambiguous', () => {
  it('options before the file; everything after the file is the guest\'s, the file name first', () => {
    const r = cli(['run', '--env', 'GREETING=hi', cCli, '0', 'x y']);
    equal(r.code, 0, r.err);
    equal(r.out, `hello from C\narg 0: ${cCli}\narg 1: 0\narg 2: x y\nGREETING=hi\n`);
    equal(r.err, 'to stderr\n');
  });

  it('--option=value works like --option value', () => {
    const r = cli(['run', '--env=GREETING=a=b', `--dir=${root}test`, cCli, '0']);
    equal(r.code, 0, r.err);
    equal(greeting(r.out), 'a=b');
  });

  it('what follows the file goes to the guest, options included', () => {
    const r = cli(['run', cCli, '0', '--env', 'GREETING=hi']);
    equal(r.code, 0, r.err);
    equal(JSON.stringify(guestArgs(r.out)), JSON.stringify([cCli, '0', '--env', 'GREETING=hi']));
    equal(greeting(r.out), '(unset)');
  });

  it('the old form: options after the file, ended by --, still work', () => {
    const r = cli(['run', cCli, '--env', 'GREETING=hi', '--', '0', 'x y']);
    equal(r.code, 0, r.err);
    equal(JSON.stringify(guestArgs(r.out)), JSON.stringify([cCli, '0', 'x y']));
    equal(greeting(r.out), 'hi');
    const bare = cli(['run', cCli, '--', '0', 'x']);
    equal(JSON.stringify(guestArgs(bare.out)), JSON.stringify([cCli, '0', 'x']));
  });

  it('a -- after something that is not an option is the guest\'s, as wasmtime has it', () => {
    const r = cli(['run', cCli, '0', '--', '--env', 'GREETING=hi']);
    equal(r.code, 0, r.err);
    equal(JSON.stringify(guestArgs(r.out)), JSON.stringify([cCli, '0', '--', '--env', 'GREETING=hi']));
    equal(greeting(r.out), '(unset)');
  });

  it('--env sets exactly the given variables; K alone passes the host\'s value', () => {
    const withHost = cli(['run', '--env', 'GREETING', cCli, '0'], '', { ...process.env, GREETING: 'from host' });
    equal(greeting(withHost.out), 'from host');
    const none = cli(['run', cCli, '0'], '', { ...process.env, GREETING: 'leak' });
    equal(greeting(none.out), '(unset)', 'the host environment must not leak');
  });

  it('gives the guest the process\'s stdin', () => {
    const r = cli(['run', cCli, '0', 'echo'], 'one\ntwo\n');
    ok(r.out.endsWith('GREETING=(unset)\none\ntwo\n'), r.out);
  });

  it('refuses unknown options, options without values, and a missing file, with exit 2', () => {
    const unknown = cli(['run', '--nope', cCli]);
    equal(unknown.code, 2);
    ok(unknown.err.includes('unknown option --nope for isowasm run'), unknown.err);
    ok(unknown.err.includes('usage: isowasm run [options] <component.wasm> [args...]'), unknown.err);
    const noValue = cli(['run', cCli, '--dir']);
    equal(noValue.code, 0, 'after the file, --dir is the guest\'s argument');
    const missing = cli(['run', '--dir']);
    equal(missing.code, 2);
    ok(missing.err.includes('--dir needs a value'), missing.err);
    const noFile = cli(['run', '--env', 'A=1']);
    equal(noFile.code, 2);
    ok(noFile.err.includes('isowasm run needs a component file'), noFile.err);
    const badDir = cli(['run', '--dir', 'a::b::rw', cCli]);
    equal(badDir.code, 2);
    ok(badDir.err.includes('--dir takes DIR, HOST::GUEST or HOST::GUEST::ro'), badDir.err);
  });

  it('a component without wasi:cli/run exits 1 naming the problem', () => {
    const r = cli(['run', adder]);
    equal(r.code, 1);
    ok(r.err.includes('not a command component') && r.err.includes('isowasm call'), r.err);
  });
});

describe('isowasm run: exit codes', () => {
  it('exit-with-code passes the guest\'s code through', () => {
    equal(cli(['run', cCli, '3', 'exit-with-code']).code, 3);
    equal(cli(['run', cCli, '255', 'exit-with-code']).code, 255);
    equal(cli(['run', cCli, '0', 'exit-with-code']).code, 0);
  });

  it('exit(3) through the preview1 adapter arrives as 1 (proc_exit passes only ok or err)', () => {
    equal(cli(['run', cCli, '3']).code, 1);
  });

  it('a failing guest that was given one of isowasm\'s options after the file gets a note on stderr', () => {
    const r = cli(['run', cCli, '3', '--dir', '.']);
    equal(r.code, 1);
    ok(r.err.includes('note: --dir came after the component file, so it went to the component'), r.err);
    ok(!cli(['run', cCli, '0', '--dir', '.']).err.includes('note:'), 'no note when the guest succeeded');
  });

  it('a read-only refusal says how to fix it in flag terms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isowasm-cli-ro-'));
    const r = cli(['run', '--dir', `${dir}::/data::ro`, fsOps, 'write', '/data/x.txt', 'hi']);
    equal(r.code, 0, r.err);
    equal(r.out, 'write /data/x.txt: EROFS\n');
    ok(r.err.includes('the preopen was granted read-only with ::ro; drop ::ro from --dir to allow writes'), r.err);
    ok(!r.err.includes('readOnly'), `no JavaScript option in the CLI's message: ${r.err}`);
    const rw = cli(['run', '--dir', `${dir}::/data`, fsOps, 'write', '/data/x.txt', 'hi', 'read', '/data/x.txt']);
    equal(rw.out, 'write /data/x.txt: ok\nread /data/x.txt: hi\n');
  });
});

describe('isowasm: version, help, unknown commands', () => {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

  it('--version, -V and version print package.json\'s version', () => {
    for (const flag of ['--version', '-V', 'version']) {
      const r = cli([flag]);
      equal(r.code, 0, r.err);
      equal(r.out, `isowasm ${version}\n`);
    }
  });

  it('-v is not the version: exit 2, pointing at --version', () => {
    const r = cli(['-v']);
    equal(r.code, 2);
    ok(r.err.includes('unknown option -v') && r.err.includes('--version'), r.err);
  });

  it('help, help <command> and <command> --help print to stdout with exit 0', () => {
    const all = cli(['help']);
    equal(all.code, 0);
    ok(all.out.includes('commands:') && all.out.includes('Options go before the component file'), all.out);
    equal(cli(['--help']).out, all.out);
    const run = cli(['help', 'run']);
    equal(run.code, 0);
    ok(run.out.startsWith('usage: isowasm run [options] <component.wasm> [args...]'), run.out);
    ok(run.out.includes('--dir HOST::GUEST[::ro]') && run.out.includes('--imports MODULE.js') && run.out.includes('exit-with-code'), run.out);
    equal(cli(['run', '--help']).out, run.out);
    const call = cli(['help', 'call']);
    ok(call.out.includes('--json'), call.out);
  });

  it('an unknown command says so, with exit 2', () => {
    for (const word of ['deploy', 'frobnicate']) {
      const r = cli([word, 'app.wasm']);
      equal(r.code, 2);
      ok(r.err.startsWith(`isowasm: unknown command ${word}`), r.err);
      ok(r.err.includes('run, serve, call, inspect, types'), r.err);
    }
    const help = cli(['help', 'deploy']);
    equal(help.code, 2);
    ok(help.err.includes('unknown command deploy'), help.err);
  });

  it('no command: the usage on stderr, exit 2', () => {
    const r = cli([]);
    equal(r.code, 2);
    ok(r.err.startsWith('usage: isowasm <command>'), r.err);
  });
});

describe('isowasm inspect', () => {
  it('lists imports, exports and the capabilities the component needs, with the flags that grant them', () => {
    const r = cli(['inspect', cCli]);
    equal(r.code, 0, r.err);
    ok(r.out.includes('interface wasi:cli/run@0.2.12'), r.out);
    ok(/capabilities:\n(.|\n)*fs: wasi:filesystem\/types/.test(r.out), r.out);
    ok(r.out.includes('grant: --dir HOST::GUEST[::ro]'), r.out);
    ok(!r.out.includes('capabilities.fs'), `the CLI names flags, not JavaScript options: ${r.out}`);
    const imports = cli(['inspect', numbers]);
    ok(imports.out.includes('host imports (not WASI): test:numbers/test\n    grant: --imports MODULE.js'), imports.out);
    // the Subresource Integrity of the file, as loadComponent's integrity option takes it
    const sri = `sha256-${createHash('sha256').update(readFileSync(join(root, cCli))).digest('base64')}`;
    ok(r.out.split('\n')[1] === `integrity: ${sri}`, r.out);
  });

  it('refuses what follows the file', () => {
    const r = cli(['inspect', cCli, 'extra']);
    equal(r.code, 2);
    ok(r.err.includes('extra is extra'), r.err);
  });
});

describe('isowasm call: output', () => {
  it('plain text: a number as its digits; --json: the same as JSON', () => {
    const r = cli(['call', adder, 'docs:adder/add@0.1.0#add', '40', '2']);
    equal(r.code, 0, r.err);
    equal(r.out, '42\n');
    equal(cli(['call', adder, 'add', '40', '2']).out, '42\n', 'a function name alone, when one export has it');
    equal(cli(['call', adder, 'docs:adder/add#add', '40', '2']).out, '42\n', 'the interface without @version');
    equal(cli(['call', '--json', adder, 'add', '1', '2']).out, '3\n');
  });

  it('u64: plain digits both ways, all 64 bits of them (no "n", no quotes)', () => {
    const max = '18446744073709551615';
    equal(cli(['call', '--imports', numbersHost, numbers, 'roundtrip-u64', max]).out, `${max}\n`);
    equal(cli(['call', '--json', '--imports', numbersHost, numbers, 'test:numbers/test#roundtripU64', '3n']).out, '3\n');
    equal(cli(['call', '--json', '--imports', numbersHost, numbers, 'roundtrip-s64', '-9223372036854775808']).out, '-9223372036854775808\n');
  });

  it('a string (here a char) prints bare; --json quotes it', () => {
    equal(cli(['call', '--imports', numbersHost, numbers, 'roundtrip-char', 'x']).out, 'x\n');
    equal(cli(['call', '--json', '--imports', numbersHost, numbers, 'roundtrip-char', 'x']).out, '"x"\n');
  });

  it('a function without a result prints nothing; --json prints null', () => {
    const plain = cli(['call', '--imports', numbersHost, numbers, 'set-scalar', '4']);
    equal(plain.code, 0, plain.err);
    equal(plain.out, '');
    equal(cli(['call', '--json', '--imports', numbersHost, numbers, 'set-scalar', '4']).out, 'null\n');
  });

  it('NaN and infinities: floats read from words; JSON has them as strings', () => {
    equal(cli(['call', '--imports', numbersHost, numbers, 'roundtrip-f64', 'NaN']).out, 'NaN\n');
    equal(cli(['call', '--json', '--imports', numbersHost, numbers, 'roundtrip-f64', '-inf']).out, '"-Infinity"\n');
  });

  it('records, flags and tuples: JSON (spaced in plain text, compact with --json)', () => {
    const arg = '{"a":1,"b":{"a":true,"b":false}}';
    const plain = cli(['call', '--imports', recordsHost, records, 'roundtrip-record1', arg]);
    equal(plain.code, 0, plain.err);
    equal(plain.out, '{"a": 1, "b": {"a": true, "b": false}}\n');
    equal(cli(['call', '--json', '--imports', recordsHost, records, 'roundtrip-record1', arg]).out, `${arg}\n`);
    equal(cli(['call', '--json', '--imports', recordsHost, records, 'swap-tuple', '[1,2]']).out, '[2,1]\n');
  });
});

describe('isowasm call: errors the function returns', () => {
  it('a result<T, E> that is an error: its payload as JSON on stderr, exit 1; ok: T', () => {
    const err = cli(['call', '--imports', resultsHost, results, 'record-error', '0']);
    equal(err.code, 1);
    equal(err.out, '');
    equal(err.err, 'isowasm: test:results/test#record-error returned an error: {"line":1,"column":2}\n');
    equal(cli(['call', '--imports', resultsHost, results, 'string-error', '0']).err, 'isowasm: test:results/test#string-error returned an error: "zero"\n');
    equal(cli(['call', '--imports', resultsHost, results, 'record-error', '1.5']).out, '1.5\n');
  });
});

describe('isowasm run and call: limits', () => {
  const looping = 'build/fixtures/offload-guest.wasm';
  it('--timeout stops a call looping in its own code, --fuel one that spends its budget; each exits 1 naming the limit', () => {
    const t = cli(['call', '--timeout', '300ms', looping, 'forever']);
    equal(t.code, 1, t.err);
    ok(t.err.includes('TIMEOUT') || t.err.includes('limits.timeoutMs (300 ms)'), t.err);
    const f = cli(['call', '--fuel', '5000', looping, 'forever']);
    equal(f.code, 1, f.err);
    ok(f.err.includes('limits.fuel (5000)'), f.err);
    equal(cli(['call', '--fuel', '5000', '--timeout', '5s', '--max-memory', '64MB', looping, 'add', '2', '40']).out, '42\n');
    // a C program doing real work computes the same metered, and is stopped by a small budget
    const plain = cli(['run', 'build/fixtures/c-hash.wasm']);
    equal(plain.code, 0, plain.err);
    ok(/^crc32 [0-9a-f]{8} fnv1a [0-9a-f]{8}\n$/.test(plain.out), plain.out);
    equal(cli(['run', '--fuel', '1000000000000', '--timeout', '60s', 'build/fixtures/c-hash.wasm']).out, plain.out);
    const starved = cli(['run', '--fuel', '100000', 'build/fixtures/c-hash.wasm']);
    equal(starved.code, 1);
    ok(starved.err.includes('limits.fuel (100000)'), starved.err);
    const bad = cli(['call', '--fuel', 'lots', looping, 'add', '1', '2']);
    equal(bad.code, 2);
    ok(bad.err.includes('--fuel lots is not a whole number'), bad.err);
  });
});

describe('isowasm call: arguments and mistakes', () => {
  it('extra and missing arguments are refused (exit 2), naming the parameters', () => {
    const extra = cli(['call', adder, 'add', '1', '2', '3']);
    equal(extra.code, 2);
    ok(extra.err.includes('docs:adder/add@0.1.0#add takes 2 arguments (x: u32, y: u32), but 3 were given: 3 is extra'), extra.err);
    const missing = cli(['call', adder, 'add', '1']);
    equal(missing.code, 2);
    ok(missing.err.includes('takes 2 arguments (x: u32, y: u32), but 1 was given'), missing.err);
  });

  it('an option after the file is refused, saying where options go; an unknown option too', () => {
    const late = cli(['call', adder, 'add', '1', '2', '--json']);
    equal(late.code, 2);
    ok(late.err.includes('--json is an option: options go before the component file'), late.err);
    const unknown = cli(['call', '--nope', adder, 'add', '1', '2']);
    equal(unknown.code, 2);
    ok(unknown.err.includes('unknown option --nope for isowasm call'), unknown.err);
    const valued = cli(['call', '--json=yes', adder, 'add', '1', '2']);
    equal(valued.code, 2);
    ok(valued.err.includes('--json takes no value'), valued.err);
  });

  it('a value of the wrong type names the function the user called, not an internal one', () => {
    const r = cli(['call', adder, 'add', 'x', '2']);
    equal(r.code, 2);
    ok(r.err.startsWith("isowasm: add(): argument 'x': expected an integer"), r.err);
    ok(!r.err.includes('import-func'), r.err);
  });

  it('an unknown function lists the ones there are; a method is refused', () => {
    const r = cli(['call', adder, 'sub', '1', '2']);
    equal(r.code, 2);
    ok(r.err.includes('exports no function sub (its functions: docs:adder/add@0.1.0#add)'), r.err);
    const method = cli(['call', '--imports', resourcesHost, resources, 'exports#x.get-a']);
    equal(method.code, 2);
    ok(method.err.includes('is a method of a resource'), method.err);
  });

  it('a static function of a resource can be called', () => {
    for (const name of ['exports#z.num-dropped', 'exports#[static]z.num-dropped', 'Z.numDropped']) {
      const r = cli(['call', '--imports', resourcesHost, resources, name]);
      equal(r.code, 0, r.err);
      equal(r.out, '1\n', name); // the guest counts drops from 1
    }
  });
});

describe('isowasm call --imports', () => {
  it('without it, a component with host imports is told to use --imports (not instantiate)', () => {
    const r = cli(['call', numbers, 'roundtrip-u8', '1']);
    equal(r.code, 1);
    ok(r.err.includes('Provide them with --imports MODULE.js'), r.err);
    ok(r.err.includes("export default { 'test:numbers/test': { ... } }"), r.err);
    ok(!r.err.includes('instantiate('), r.err);
  });

  it('the module\'s default export or its export `imports` serves the imports; the guest calls them', () => {
    // test-imports calls every import and traps if one returns a wrong value
    const r = cli(['call', '--imports', numbersHost, numbers, 'test-imports']);
    equal(r.code, 0, r.err);
    equal(r.out, '');
    equal(cli(['call', '--imports', recordsHost, records, 'test-imports']).code, 0);
    const res = cli(['call', '--imports', resourcesHost, resources, 'test-imports']);
    equal(res.code, 0, res.err);
  });

  it('a module without an import object, or one that lacks an interface, is named in the error', () => {
    const r = cli(['call', '--imports', notAnObject, numbers, 'roundtrip-u8', '1']);
    equal(r.code, 1);
    ok(r.err.includes(`--imports ${notAnObject}: the module must export the import object`) && r.err.includes('it exports default, something'), r.err);
    const wrong = cli(['call', '--imports', recordsHost, numbers, 'roundtrip-u8', '1']);
    equal(wrong.code, 1);
    ok(wrong.err.includes(`the --imports module ${recordsHost} did not provide test:numbers/test`), wrong.err);
    const absent = cli(['call', '--imports', join(hostDir, 'absent.mjs'), numbers, 'roundtrip-u8', '1']);
    equal(absent.code, 1);
    ok(absent.err.includes('the module could not be loaded'), absent.err);
  });

  it('run takes --imports too', () => {
    const r = cli(['run', '--imports', numbersHost, cCli, '0']);
    equal(r.code, 0, r.err);
  });
});

describe('isowasm types', () => {
  it('writes <component>.wasm.d.ts into -o DIR and prints its path; the declarations name the exports with their types', () => {
    const out = mkdtempSync(join(tmpdir(), 'isowasm-types-'));
    const r = cli(['types', '-o', out, records]);
    equal(r.code, 0, r.err);
    equal(r.out.trim(), join(out, 'records.wasm.d.ts'));
    const dts = readFileSync(join(out, 'records.wasm.d.ts'), 'utf8');
    ok(/export interface Exports \{/.test(dts) && /export interface Imports \{/.test(dts), 'Exports and Imports');
    ok(/'test:records\/test'/.test(dts), 'the exported interface under its full name');
    ok(dts.includes('swapTuple(a: [number, number]): [number, number];'), 'camelCase functions with their types');
    ok(dts.includes('roundtripFlags1(a: TestRecordsTest.F1): TestRecordsTest.F1;'), 'named types');
  });

  it('a missing file exits 1 naming it; extra arguments exit 2', () => {
    const missing = cli(['types', 'nope.wasm']);
    equal(missing.code, 1);
    ok(missing.err.includes('nope.wasm'), missing.err);
    equal(cli(['types', adder, 'extra']).code, 2);
  });
});

describe('isowasm serve', () => {
  const server = 'build/fixtures/http-server.wasm';


  const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));

  it('serves a wasi:http component on the printed URL, a fresh instance per request, and stops gracefully on SIGTERM with exit 0', async () => {
    const { url, child, err } = await startServe(['--port', '0', server]);
    try {
      equal(url.hostname, '127.0.0.1');
      const echo = await fetch(new URL('/echo?x=1', url), { method: 'POST', body: 'hi' });
      equal(echo.status, 200);
      const body = (await echo.json()) as { method: string; body: string };
      equal(body.method, 'POST');
      equal(body.body, 'hi');
      equal(await (await fetch(new URL('/count', url))).text(), '1');
      equal(await (await fetch(new URL('/count', url))).text(), '1', 'no state leaks between requests');
    } finally {
      const done = exited(child);
      child.kill('SIGTERM');
      equal(await done, 0, err());
    }
    ok(err().includes('shutting down'), err());
  });

  it('wasmtime\'s --addr=HOST:PORT form; --max-body refuses longer bodies with 413; a bad --instances exits 2', async () => {
    const { url, child } = await startServe(['--addr=127.0.0.1:0', '--max-body', '4', '--instances', 'max=4,warm=0', server]);
    try {
      equal((await fetch(new URL('/echo', url), { method: 'POST', body: 'four' })).status, 200);
      equal((await fetch(new URL('/echo', url), { method: 'POST', body: 'longer than four' })).status, 413);
    } finally {
      const done = exited(child);
      child.kill('SIGINT');
      equal(await done, 0);
    }
    const bad = cli(['serve', '--instances', 'bogus=1', server]);
    equal(bad.code, 2);
    ok(bad.err.includes('reuse=N'), bad.err);
  });

  it('each request gets a pristine instance: by default the last one reset; --instances reuse=N shares one instance\'s state, fresh makes new ones', async () => {
    const small = 'build/fixtures/http-small.wasm';
    const counts = async (args: string[]): Promise<string[]> => {
      const { url, child } = await startServe(['--port', '0', ...args, small]);
      try {
        const seen: string[] = [];
        for (let i = 0; i < 3; i++) seen.push(await (await fetch(new URL('/count', url))).text());
        return seen;
      } finally {
        const done = exited(child);
        child.kill('SIGINT');
        equal(await done, 0);
      }
    };
    deepEqual(await counts([]), ['1\n', '1\n', '1\n']);
    deepEqual(await counts(['--instances', 'fresh,warm=0']), ['1\n', '1\n', '1\n']);
    deepEqual(await counts(['--instances', 'reuse=10,max=1']), ['1\n', '2\n', '3\n']);
    const bad = cli(['serve', '--instances', 'reset,reuse=3', small]);
    equal(bad.code, 2);
    ok(bad.err.includes('choose one of reset, fresh and reuse=N'), bad.err);
  });

  it('--timeout, --max-response-body, --max-memory and --access-log: 504 for a stalled request, a cut body, one log line per request on stdout', async () => {
    const { url, child } = await startServe(['--port', '0', '--timeout', '400ms', '--max-response-body', '1MB', '--max-memory', '512MB', '--access-log', server]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      equal(await (await fetch(new URL('/count', url))).text(), '1');
      // a body that never ends: the guest waits for it until the deadline
      const socket = connect(Number(url.port), '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\npart');
      const [reply] = (await once(socket, 'data')) as [Buffer];
      socket.destroy();
      ok(reply.toString('latin1').startsWith('HTTP/1.1 504 '), reply.toString('latin1'));
      const big = await fetch(new URL('/stream?mb=4', url));
      if (big.status === 200) await rejects(big.arrayBuffer());
      else equal(big.status, 500);
      for (let i = 0; i < 100 && out.split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      const lines = out.trim().split('\n');
      equal(lines.length, 3, out);
      ok(/^127\.0\.0\.1 "GET \/count HTTP\/1\.1" 200 1 \d+\.\dms$/.test(lines[0]!), lines[0]);
      ok(/^127\.0\.0\.1 "POST \/echo HTTP\/1\.1" 504 /.test(lines[1]!), lines[1]);
      ok(/^127\.0\.0\.1 "GET \/stream\?mb=4 HTTP\/1\.1" (500|200) /.test(lines[2]!), lines[2]);
    } finally {
      const done = exited(child);
      child.kill('SIGTERM');
      equal(await done, 0);
    }
    const bad = cli(['serve', '--timeout', 'soon', server]);
    equal(bad.code, 2);
    ok(bad.err.includes('not a duration'), bad.err);
  });

  it('a component that serves no HTTP exits 1 saying so; what is neither an option nor the file exits 2', () => {
    const r = cli(['serve', '--port', '0', adder]);
    equal(r.code, 1);
    ok(r.err.includes('wasi:http/incoming-handler'), r.err);
    const extra = cli(['serve', server, 'other.wasm']);
    equal(extra.code, 2);
    ok(extra.err.includes('other.wasm is extra'), extra.err);
  });

  it('both argument orders: options after the file (isowasm serve app.wasm --port N), as the issue\'s examples write it', async () => {
    const { url, child } = await startServe([server, '--port', '0', '--max-body', '4']);
    try {
      equal((await fetch(new URL('/echo', url), { method: 'POST', body: 'four' })).status, 200);
      equal((await fetch(new URL('/echo', url), { method: 'POST', body: 'longer than four' })).status, 413);
    } finally {
      const done = exited(child);
      child.kill('SIGTERM');
      equal(await done, 0);
    }
  });
});
