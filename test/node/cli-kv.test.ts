/**
 * `--kv` on the command line, spawned as a user runs it: `--kv PATH` puts every bucket in one
 * SQLite file (made with its directory), `--kv NAME=PATH` grants one bucket, what a call wrote is
 * there for the next process, and a bucket not granted is refused with the flag that grants it;
 * `serve --kv` gives an HTTP guest state that outlives its per-request instances and the server.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServe } from '../harness/cli.js';
import { equal, ok } from '../harness/assert.js';
import { after, describe, it } from '../harness/test-api.js';

const cli = runCli;
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

describe('isowasm serve --kv', () => {
  const stop = async (child: ChildProcess): Promise<void> => {
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  };

  it('a counter in SQLite outlives the fresh instance of each request, and the server; ungranted buckets get 403', async () => {
    const file = join(dir, 'serve', 'visits.sqlite');
    const args = ['--port', '0', '--kv', `visits=${file}`, 'build/fixtures/http-kv.wasm'];
    const first = await startServe(args);
    try {
      const visit = async (u: URL): Promise<string> => (await fetch(new URL('/visit?page=home', u))).text();
      equal(await visit(first.url), '1');
      equal(await visit(first.url), '2');
      const denied = await fetch(new URL('/note', first.url));
      equal(denied.status, 403);
      equal(await denied.text(), 'access-denied');
      ok(first.err().includes('--kv notes=PATH'), first.err());
    } finally {
      await stop(first.child);
    }
    const second = await startServe(args);
    try {
      equal(await (await fetch(new URL('/visit?page=home', second.url))).text(), '3');
    } finally {
      await stop(second.child);
    }
  });
});
