/**
 * `isowasm bundle --target workerd`, spawned as a user runs it: its help, its mistakes (exit 2),
 * and what it writes. That workerd serves the bundle is edge-runtimes.test.ts's part.
 */
import { existsSync, mkdirSync, rmSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../harness/cli.js';
import { equal, ok } from '../harness/assert.js';
import { after, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = runCli;
const server = 'build/fixtures/http-server.wasm';
const out = mkdtempSync(join(tmpdir(), 'isowasm-bundle-'));

describe('isowasm bundle', () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  it('has help, and is listed among the commands', () => {
    const help = cli(['bundle', '--help']);
    equal(help.code, 0, help.err);
    ok(help.out.startsWith('usage: isowasm bundle --target workerd'), help.out);
    ok(help.out.includes('--allow-http ORIGIN') && help.out.includes('wrangler'), help.out);
    ok(cli(['help']).out.includes('bundle    write a wasi:http component as a workerd'));
    equal(cli(['help', 'bundle']).out, help.out);
  });

  it('says what is wrong with a command line (exit 2)', () => {
    const cases: [string[], RegExp][] = [
      [['bundle', server], /needs --target \(workerd\)/],
      [['bundle', '--target', 'deno', server], /--target deno is not one of workerd \(Deno and Bun need no bundle/],
      [['bundle', '--target', 'workerd', '--dir', '.', server], /--dir can't be bundled for workerd: workerd has no host directories/],
      [['bundle', '--target', 'workerd', '--allow-socket', '127.0.0.1:1', server], /--allow-socket can't be bundled/],
      [['bundle', '--target', 'workerd', '--addr', 'nowhere', server], /--addr nowhere is not HOST:PORT/],
      [['bundle', '--target', 'workerd', server, 'extra'], /takes one component file/],
    ];
    for (const [args, want] of cases) {
      const r = cli(args);
      equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      ok(want.test(r.err), r.err);
      ok(r.err.includes('usage: isowasm bundle'), r.err);
    }
  });

  it('refuses a component that serves no HTTP (exit 1)', () => {
    const r = cli(['bundle', '--target', 'workerd', '--out', join(out, 'cli'), 'build/fixtures/c-cli.wasm']);
    equal(r.code, 1);
    ok(/exports no wasi:http\/incoming-handler/.test(r.err), r.err);
    ok(!existsSync(join(out, 'cli')), 'nothing written');
  });

  it('writes the modules, the stripped component, the runtime, worker.js with the grants, config.capnp and wrangler.jsonc', () => {
    const dir = join(out, 'app');
    const r = cli(['bundle', '--target', 'workerd', '--out', dir, '--env', 'MODE=edge', '--env', 'TOKEN', '--allow-http', 'https://api.example.com', '--config', 'k=v', '--max-body', '1MB', '--addr', '127.0.0.1:9999', server]);
    equal(r.code, 0, r.err);
    equal(r.out.trim(), dir);
    const files = readdirSync(dir).sort();
    const cores = files.filter((f) => /^core-[0-9a-f]{16}\.wasm$/.test(f));
    ok(cores.length >= 1, files.join());
    ok(statSync(join(dir, 'component.bin')).size < statSync(join(root, server)).size / 50, 'the component without its modules is small');
    ok(existsSync(join(dir, 'isowasm', 'index.browser.js')));
    const worker = readFileSync(join(dir, 'worker.js'), 'utf8');
    for (const c of cores) ok(worker.includes(`from "./${c}"`), `worker.js imports ${c}`);
    ok(worker.includes('"MODE":"edge"') && worker.includes('["TOKEN"]'), worker);
    ok(worker.includes('http: { allow: ["https://api.example.com"] }') && worker.includes('config: {"k":"v"}'), worker);
    ok(worker.includes('maxRequestBodyBytes: 1048576'), worker);
    const capnp = readFileSync(join(dir, 'config.capnp'), 'utf8');
    ok(capnp.includes('address = "127.0.0.1:9999"') && capnp.includes('globalOutbound = "internet"'), capnp);
    for (const f of readdirSync(join(dir, 'isowasm', 'chunks'))) ok(capnp.includes(`embed "isowasm/chunks/${f}"`), `config.capnp lists ${f}`);
    for (const c of cores) ok(capnp.includes(`(name = "${c}", wasm = embed "${c}")`), capnp);
    const wrangler = JSON.parse(readFileSync(join(dir, 'wrangler.jsonc'), 'utf8')) as { main: string };
    equal(wrangler.main, 'worker.js');
    // a second run replaces the bundle it wrote
    const again = cli(['bundle', '--target', 'workerd', '--out', dir, server]);
    equal(again.code, 0, again.err);
    ok(!readFileSync(join(dir, 'worker.js'), 'utf8').includes('MODE'));
  });

  it('never clears a directory it did not write', () => {
    const mine = join(out, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const r = cli(['bundle', '--target', 'workerd', '--out', mine, server]);
    equal(r.code, 2, r.err);
    ok(/not a bundle isowasm wrote/.test(r.err), r.err);
    equal(readFileSync(join(mine, 'notes.txt'), 'utf8'), 'keep me');
  });
});
