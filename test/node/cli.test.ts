import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [`${root}bin/isowasm.js`, ...args], { cwd: root, input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const cCli = 'build/fixtures/c-cli.wasm';

describe('the isowasm command line', () => {
  it('run: passes arguments after --, the file name first, and exits 0', () => {
    const r = cli(['run', cCli, '--', '0', 'x y']);
    equal(r.code, 0, r.err);
    equal(r.out, `hello from C\narg 0: ${cCli}\narg 1: 0\narg 2: x y\nGREETING=(unset)\n`);
    equal(r.err, 'to stderr\n');
  });

  it('run: a non-zero exit of the guest is the command\'s exit code', () => {
    equal(cli(['run', cCli, '--', '3']).code, 1); // the preview1 adapter reports any failure as 1
  });

  it('run: --env sets exactly the given variables; K alone passes the host\'s value', () => {
    equal(cli(['run', cCli, '--env', 'GREETING=hi', '--', '0']).out.includes('GREETING=hi\n'), true);
    const r = spawnSync(process.execPath, [`${root}bin/isowasm.js`, 'run', cCli, '--env', 'GREETING', '--', '0'], { cwd: root, encoding: 'utf8', env: { ...process.env, GREETING: 'from host' } });
    ok(r.stdout.includes('GREETING=from host\n'), r.stdout);
    const none = spawnSync(process.execPath, [`${root}bin/isowasm.js`, 'run', cCli, '--', '0'], { cwd: root, encoding: 'utf8', env: { ...process.env, GREETING: 'leak' } });
    ok(none.stdout.includes('GREETING=(unset)\n'), 'the host environment must not leak');
  });

  it('run: gives the guest the process\'s stdin', () => {
    const r = cli(['run', cCli, '--', '0', 'echo'], 'one\ntwo\n');
    ok(r.out.endsWith('GREETING=(unset)\none\ntwo\n'), r.out);
  });

  it('run: bad options exit 2 with usage; a component without wasi:cli/run exits 1 naming the problem', () => {
    const bad = cli(['run', cCli, '--nope']);
    equal(bad.code, 2);
    ok(bad.err.includes('unknown option --nope'), bad.err);
    const notCommand = cli(['run', 'test/conformance/components/adder.wasm']);
    equal(notCommand.code, 1);
    ok(notCommand.err.includes('not a command component'), notCommand.err);
  });

  it('inspect: lists imports, exports and the capabilities the component needs', () => {
    const r = cli(['inspect', cCli]);
    equal(r.code, 0, r.err);
    ok(r.out.includes('interface wasi:cli/run@0.2.12'), r.out);
    ok(/capabilities:\n(.|\n)*fs: wasi:filesystem\/types/.test(r.out), r.out);
    ok(r.out.includes('--dir HOST::GUEST[::ro]'), r.out);
  });

  it('call: instantiates and calls one export', () => {
    const r = cli(['call', 'test/conformance/components/adder.wasm', 'docs:adder/add@0.1.0#add', '40', '2']);
    equal(r.code, 0, r.err);
    equal(r.out, '42\n');
  });
});
