import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadComponent } from '../../src/index.node.js';
import { ComponentExit } from '../../src/core/index.js';
import { equal } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** jco's bindings of the C guest, run with preview2-shim in a child process (its stdout is the process's). */
function runJco(args: string[], env: Record<string, string>, stdin: string): { code: number | null; out: string; err: string } {
  const script = `${tmpdir()}/isowasm-jco-c-cli.mjs`;
  writeFileSync(script, `
    import { readFileSync } from 'node:fs';
    import { WASIShim } from '${root}node_modules/@bytecodealliance/preview2-shim/dist/common/instantiation.js';
    const { instantiate } = await import('${root}build/fixtures/c-cli.jco/c-cli.js');
    const dir = '${root}build/fixtures/c-cli.jco/';
    const imports = new WASIShim({ sandbox: { args: ${JSON.stringify(args)}, env: ${JSON.stringify(env)} } }).getImportObject();
    const e = await instantiate(async (f) => WebAssembly.compile(readFileSync(dir + f)), imports);
    e.run.run();
  `);
  const r = spawnSync(process.execPath, [script], { cwd: root, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function runOurs(args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number; out: string; err: string }> {
  const component = await loadComponent(await readFixture('c-cli'));
  let out = '';
  let err = '';
  const dec = new TextDecoder();
  const { exports } = await component.instantiate({
    capabilities: { args, env, stdio: { stdout: (b) => { out += dec.decode(b); }, stderr: (b) => { err += dec.decode(b); }, stdin } },
  });
  try {
    await exports['wasi:cli/run'].run();
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof ComponentExit) return { code: e.exitCode, out, err };
    throw e;
  }
}

describe('the C guest beside jco\'s bindings with preview2-shim', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [['prog', '0'], { GREETING: 'hi' }, ''],
    [['prog', '0', 'echo'], {}, 'some input\nand more\n'],
    [['prog', '7', 'ünïcödé 🎉'], { GREETING: 'a=b c' }, ''],
    [[], {}, ''],
    // wasi:cli/exit#exit-with-code: the code itself, where a plain exit arrives as 1
    [['prog', '3', 'exit-with-code'], {}, ''],
  ];
  for (const [args, env, stdin] of cases) {
    it(`args ${JSON.stringify(args)}: same output and exit code`, async () => {
      const ours = await runOurs(args, env, stdin);
      const theirs = runJco(args, env, stdin);
      equal(ours.out, theirs.out, 'stdout');
      equal(ours.err, theirs.err, 'stderr');
      equal(ours.code, theirs.code, 'exit code');
    });
  }
});
