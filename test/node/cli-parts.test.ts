/**
 * The CLI's parts, without spawning it: the command-line grammar, the rephrasing of the library's
 * denials in flag terms (fed the grant texts the library really produces), signatures, values.
 */
import { grantFor } from '../../src/core/wasi/http/outgoing.js';
import { HttpAllowList } from '../../src/core/host/http-policy.js';
import { SocketAllowList } from '../../src/core/host/socket-policy.js';
import { denialError } from '../../src/core/host/denial.js';
import { IsowasmError } from '../../src/core/index.js';
import { type CommandLine, UsageError, parseCommandLine } from '../../src/node/cli/command-line.js';
import { denialMessage, errorMessage, flagFor } from '../../src/node/cli/messages.js';
import { parseSignature } from '../../src/node/cli/signature.js';
import { formatResult, parseArgument, toJson } from '../../src/node/cli/values.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

function line(command: 'run' | 'call' | 'inspect' | 'serve', argv: string[]): { options: Record<string, readonly string[]>; file: string; rest: readonly string[] } {
  const l = parseCommandLine(command, argv) as CommandLine;
  return { options: Object.fromEntries(l.options), file: l.file, rest: l.rest };
}

describe('the command-line grammar', () => {
  it('options before the file, in both forms; the rest is the component\'s', () => {
    deepEqual(line('run', ['--dir', 'a', '--env=K=V', '--env', 'L=W', 'app.wasm', 'x', '--dir', 'b']), {
      options: { '--dir': ['a'], '--env': ['K=V', 'L=W'] }, file: 'app.wasm', rest: ['x', '--dir', 'b'],
    });
  });

  it('a -- before the file ends the options (a file whose name starts with -)', () => {
    deepEqual(line('run', ['--env', 'K=V', '--', '-odd.wasm', 'x']), { options: { '--env': ['K=V'] }, file: '-odd.wasm', rest: ['x'] });
  });

  it('run: options after the file count only when every token before the first -- is one with its value', () => {
    deepEqual(line('run', ['app.wasm', '--dir', 'a', '--env=K=V', '--', 'x', '--', 'y']), {
      options: { '--dir': ['a'], '--env': ['K=V'] }, file: 'app.wasm', rest: ['x', '--', 'y'],
    });
    deepEqual(line('run', ['app.wasm', '--dir', 'a', 'x', '--', 'y']).rest, ['--dir', 'a', 'x', '--', 'y']);
    deepEqual(line('run', ['app.wasm', '--nope', '--', 'y']).rest, ['--nope', '--', 'y']);
    deepEqual(line('run', ['app.wasm', '--dir', '--', 'y']), { options: {}, file: 'app.wasm', rest: ['--dir', '--', 'y'] }, 'a --dir without its value is no option');
  });

  it('call: no options after the file (they are its arguments); serve and inspect take theirs after it too', () => {
    deepEqual(line('call', ['--json', 'app.wasm', 'f', '--json']), { options: { '--json': [''] }, file: 'app.wasm', rest: ['f', '--json'] });
    deepEqual(line('serve', ['app.wasm', '--port', '8080', '--env=A=1']), { options: { '--port': ['8080'], '--env': ['A=1'] }, file: 'app.wasm', rest: [] });
    deepEqual(line('serve', ['--port', '1', 'app.wasm', '--port', '2']), { options: { '--port': ['1', '2'] }, file: 'app.wasm', rest: [] });
    deepEqual(line('inspect', ['app.wasm', 'extra']), { options: {}, file: 'app.wasm', rest: ['extra'] });
    throws(() => parseCommandLine('serve', ['app.wasm', '--bogus']), { instanceOf: UsageError, message: /unknown option --bogus/ });
    equal(JSON.stringify(parseCommandLine('serve', ['app.wasm', '--help'])), '{"help":"serve"}');
  });

  it('mistakes are UsageErrors naming the command', () => {
    const unknown = throws(() => parseCommandLine('inspect', ['--dir', 'x', 'a.wasm']), { instanceOf: UsageError }) as UsageError;
    equal(unknown.command, 'inspect');
    ok(unknown.message.includes('unknown option --dir for isowasm inspect (it takes none)'), unknown.message);
    throws(() => parseCommandLine('call', ['--json=1', 'a.wasm']), { instanceOf: UsageError, message: /--json takes no value/ });
    throws(() => parseCommandLine('run', ['--env']), { instanceOf: UsageError, message: /--env needs a value: --env K=V \(or --env=K=V\)/ });
    equal(JSON.stringify(parseCommandLine('run', ['-h', 'a.wasm'])), '{"help":"run"}');
  });
});

describe('denials in flag terms', () => {
  it('read-only preopen: drop ::ro', () => {
    const d = { capability: 'fs' as const, interface: 'wasi:filesystem/types', detail: 'the guest tried to open a file for writing in the read-only preopen /data', grant: 'a writable preopen: { volume, readOnly: false }' };
    equal(denialMessage(d), 'wasi:filesystem/types: the guest tried to open a file for writing in the read-only preopen /data; the preopen was granted read-only with ::ro; drop ::ro from --dir to allow writes');
  });

  it('HTTP: the origin that was missing, as --allow-http (from the grant text the library makes)', () => {
    const d = { capability: 'http' as const, interface: 'wasi:http/outgoing-handler', detail: 'x', grant: grantFor('https://evil.example', new HttpAllowList(['https://*.good.example'])) };
    equal(flagFor(d), 'to allow it, add --allow-http https://evil.example');
    equal(flagFor({ ...d, grant: grantFor('https://a.example', null) }), 'to allow it, add --allow-http https://a.example');
    equal(flagFor({ ...d, grant: grantFor(null, null) }), grantFor(null, null), 'what no grant allows keeps its own words');
  });

  it('sockets: the address that was missing, as --allow-socket', () => {
    const d = { capability: 'sockets' as const, interface: 'wasi:sockets/tcp', detail: 'x', grant: new SocketAllowList(['127.0.0.1:5432']).grantWith('10.0.0.1:80') };
    equal(flagFor(d), 'to allow it, add --allow-socket 10.0.0.1:80');
  });

  it('errors: a denial, a trap caused by one, missing imports, and others with their code', () => {
    const d = { capability: 'http' as const, interface: 'wasi:http/outgoing-handler', detail: 'the guest sent a request to https://a.example', grant: grantFor('https://a.example', null) };
    const denial = denialError(d);
    equal(errorMessage(denial, 'run'), `${denialMessage(d)} [CAPABILITY_DENIED]`);
    const trap = new IsowasmError('TRAP', `guest trapped: ${denial.message}`, { cause: denial });
    equal(errorMessage(trap, 'run'), `guest trapped: ${denialMessage(d)} [TRAP]`);
    const missing = new IsowasmError('MISSING_IMPORTS', 'Pass them in instantiate({ imports: { ... } })', { details: { missing: ['a:b/c'], mismatched: [] } });
    ok(errorMessage(missing, 'call').startsWith('the component needs imports that are not WASI: a:b/c. Provide them with --imports MODULE.js'), errorMessage(missing, 'call'));
    ok(errorMessage(missing, 'run', ['./h.js']).startsWith('the --imports module ./h.js did not provide a:b/c.'), errorMessage(missing, 'run', ['./h.js']));
    equal(errorMessage(new IsowasmError('LOAD_FAILED', 'no such file'), 'run'), 'no such file [LOAD_FAILED]');
    equal(errorMessage(new Error('plain'), 'run'), 'plain');
  });
});

describe('signatures and values', () => {
  it('parameters and result, with commas inside types', () => {
    deepEqual(parseSignature('func(a: tuple<u8, u32>, b: record { x: u8, y: list<string> }) -> tuple<u32, u8>'), {
      params: [{ name: 'a', type: 'tuple<u8, u32>' }, { name: 'b', type: 'record { x: u8, y: list<string> }' }], result: 'tuple<u32, u8>',
    });
    deepEqual(parseSignature('func()'), { params: [], result: null });
    deepEqual(parseSignature('async func(x: u32) -> result<_, string>'), { params: [{ name: 'x', type: 'u32' }], result: 'result<_, string>' });
    equal(parseSignature('resource'), null);
  });

  it('arguments: JSON, bare strings, 64-bit integers whole, float words only for floats', () => {
    equal(parseArgument('42', 'u32'), 42);
    equal(parseArgument('hello world', 'string'), 'hello world');
    equal(parseArgument('"42"', 'string'), '42');
    equal(parseArgument('12n', 'u64'), 12n);
    equal(parseArgument('18446744073709551615', 'u64'), 18446744073709551615n);
    deepEqual(parseArgument('{"s":"5n","big":9007199254740993,"f":1.5}', 'r'), { s: 5n, big: 9007199254740993n, f: 1.5 });
    ok(Number.isNaN(parseArgument('NaN', 'f64')));
    equal(parseArgument('-inf', 'f32'), -Infinity);
    equal(parseArgument('NaN', 'string'), 'NaN');
    equal(parseArgument('constructor', 'f64'), 'constructor');
    equal(parseArgument('42', 'string'), '42', 'a string parameter takes the text as it is');
    equal(parseArgument('12n', 'char'), '12n');
    equal(parseArgument('"--x"', 'string'), '--x');
  });

  it('results: plain text and JSON', () => {
    equal(formatResult(undefined, null, false), null);
    equal(formatResult(undefined, 'result<_, string>', false), null);
    equal(formatResult(undefined, 'option<u8>', false), 'null');
    equal(formatResult(undefined, null, true), 'null');
    equal(formatResult('a "b"', 'string', false), 'a "b"');
    equal(formatResult('a "b"', 'string', true), '"a \\"b\\""');
    equal(formatResult(2n ** 64n - 1n, 'u64', false), '18446744073709551615');
    equal(formatResult(2n ** 64n - 1n, 'u64', true), '18446744073709551615');
    equal(formatResult(new Uint8Array([1, 2]), 'list<u8>', true), '[1,2]');
    equal(formatResult(new BigInt64Array([-1n]), 'list<s64>', false), '[-1]');
    equal(formatResult({ tag: 'none', val: undefined }, 'v', true), '{"tag":"none"}');
    equal(formatResult([undefined, 1], 'list<option<u8>>', false), '[null, 1]');
    equal(toJson(new (class Counter {})()), '"<resource Counter>"');
    equal(toJson(Infinity), '"Infinity"');
  });
});
