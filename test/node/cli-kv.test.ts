/**
 * `--kv` on the command line, spawned as a user runs it: `--kv PATH` puts every bucket in one
 * SQLite file (made with its directory), `--kv NAME=PATH` grants one bucket, what a call wrote is
 * there for the next process, and a bucket not granted is refused with the flag that grants it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { equal, ok } from '../harness/assert.js';
import { after, describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [`${root}bin/isowasm.js`, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const guest = 'build/fixtures/kv-guest.wasm';
const dir = mkdtempSync(join(tmpdir(), 'isowasm-cli-kv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('isowasm --kv', () => {
  it('--kv PATH: every bucket in one SQLite file, kept from one process to the next', () => {
    const file = join(dir, 'data', 'kv.sqlite');
    const first = cli(['call', '--kv', file, guest, 'test:kvguest/api#increment', 'counts', 'visits', '5', '2']);
    equal(first.err, '');
    equal(first.out.trim(), '10');
    ok(existsSync(file), 'the file and its directory were made');
    equal(cli(['call', `--kv=${file}`, guest, 'test:kvguest/api#increment', 'counts', 'visits', '1', '1']).out.trim(), '11');
    equal(cli(['call', '--kv', file, guest, 'test:kvguest/api#put', 'notes', 'a', 'hello']).code, 0);
    equal(cli(['call', '--kv', file, guest, 'test:kvguest/api#get', 'notes', 'a']).out.trim(), 'hello');
  });

  it('--kv NAME=PATH grants that bucket only; another is refused with the flag that grants it', () => {
    const file = join(dir, 'notes.sqlite');
    equal(cli(['call', '--kv', `notes=${file}`, guest, 'test:kvguest/api#put', 'notes', 'k', 'v']).code, 0);
    const denied = cli(['call', '--kv', `notes=${file}`, guest, 'test:kvguest/api#get', 'secrets', 'k']);
    equal(denied.code, 1);
    ok(denied.err.includes('the guest opened the bucket "secrets"') && denied.err.includes('--kv secrets=PATH'), denied.err);
    ok(denied.err.includes('access-denied'), denied.err);
  });

  it('a malformed --kv exits 2', () => {
    const r = cli(['run', '--kv', '=x', 'build/fixtures/c-cli.wasm']);
    equal(r.code, 2);
    ok(r.err.includes('--kv takes PATH or NAME=PATH'), r.err);
    const twice = cli(['run', '--kv', 'a=x', '--kv', 'a=y', 'build/fixtures/c-cli.wasm']);
    equal(twice.code, 2);
    ok(twice.err.includes('twice'), twice.err);
  });

  it('inspect names --kv for a component importing wasi:keyvalue', () => {
    const r = cli(['inspect', guest]);
    ok(/kv: wasi:keyvalue\/store@0\.2\.0-draft2/.test(r.out) && r.out.includes('--kv PATH'), r.out);
  });
});
