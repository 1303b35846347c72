/**
 * `isowasm run` of WASI 0.3 commands (`wasi:cli/run@0.3.0`, whose `run` is an async func): the
 * same entry point as for 0.2 commands, with the same exit codes, stdio, arguments and
 * preopens. Runs the CLI's `main` of this build in a child process (the bin loads the bundled
 * dist/ copy of the same code).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conformanceP3Path } from '../harness/conformance-dir.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const main = new URL('../../src/node/cli/main.js', import.meta.url).href;
const entry = fileURLToPath(new URL('../../src/index.node.js', import.meta.url));

function isowasm(args: readonly string[]): { code: number | null; out: string; err: string } {
  const script = `const m = await import(${JSON.stringify(main)}); process.exitCode = await m.main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { input: '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const component = (rel: string): string => conformanceP3Path(`components/${rel}`);

describe('isowasm run: WASI 0.3 commands', () => {
  it('runs a 0.3 command to exit code 0, its stdout stream on the process\'s stdout', () => {
    const r = isowasm(['run', component('cli/p3-cli-hello-stdout.wasm')]);
    deepEqual([r.code, r.out], [0, 'hello, world\n'], r.err);
  });

  it('lets the guest finish what it writes after its run answered before the process ends', () => {
    const r = isowasm(['run', component('cli/p3-cli-hello-stdout-post-return.wasm')]);
    deepEqual([r.code, r.out], [0, 'hello, world\nhello again, after return\n'], r.err);
  });

  it('passes the arguments after the file to the guest', () => {
    const r = isowasm(['run', component('cli/p3-cli-much-stdout.wasm'), 'hi\n', '3']);
    deepEqual([r.code, r.out], [0, 'hi\nhi\nhi\n'], r.err);
  });

  it('serves --dir as a 0.3 preopen: what the guest wrote is in the host directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isowasm-p3-'));
    const r = isowasm(['run', '--dir', `${dir}::/`, component('fs/p3-file-write.wasm')]);
    equal(r.code, 0, r.err);
    deepEqual(readdirSync(dir).sort(), ['long_write.txt', 'test-zero-write-fails.txt']);
    equal(readFileSync(join(dir, 'long_write.txt')).length, 65536);
  });

  it('a guest that traps (no preopen where it needs one) ends with a non-zero code and a message', () => {
    const r = isowasm(['run', component('fs/p3-readdir.wasm')]);
    ok(r.code !== 0 && r.code !== null, `exit code ${r.code}`);
    ok(/trap|unreachable/i.test(r.err), r.err);
  });

  it('an exit raised inside a 0.3 run (as wasi:cli/exit raises it) is the process\'s exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isowasm-p3-'));
    const imports = join(dir, 'exit.mjs');
    writeFileSync(imports, `import { ComponentExit } from ${JSON.stringify(entry)};
export default { 'wasi:random/random@0.3.0': { getRandomBytes() { throw new ComponentExit(7); }, getRandomU64: () => 1n } };`);
    const r = isowasm(['run', '--imports', imports, component('random/p3-random-imports.wasm')]);
    equal(r.code, 7, r.err);
  });
});
