/**
 * The SQLite store (node:sqlite): the KeyValueStore contract suite (each store over its own file,
 * `reopen` a second connection), then what is its own: a path in a grant, WAL on disk, atomics
 * across processes sharing the file (4 processes x 250 increments = 1000), a guest whose writes
 * are on disk when its call returns, and Node 20 loading `isowasm/node` with the store refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadComponent } from '../../src/index.node.js';
import { createSqliteKeyValue } from '../../src/node/key-values.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { describe, it } from '../harness/test-api.js';
import { testKeyValue } from '../shared/key-value-suite.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'isowasm-kv-'));
  dirs.push(d);
  return d;
}

testKeyValue('SQLite', async () => {
  const dir = tempDir();
  const file = join(dir, 'kv.sqlite');
  const store = createSqliteKeyValue(file);
  return {
    store,
    reopen: async () => createSqliteKeyValue(file),
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

describe('createSqliteKeyValue', () => {
  it('keeps every bucket in one WAL-mode file, made with its directory', () => {
    const dir = tempDir();
    const file = join(dir, 'data', 'kv.sqlite');
    const store = createSqliteKeyValue(file);
    try {
      equal(store.async, false);
      equal(store.path, file);
      store.open('a').set('k', new Uint8Array([1]));
      store.open('b').set('k', new Uint8Array([2]));
      ok(existsSync(file) && existsSync(`${file}-wal`), 'the file and its write-ahead log');
    } finally {
      store.close();
    }
    // the header says WAL (file format 2 in bytes 18 and 19)
    const header = readFileSync(file).subarray(0, 20);
    equal(header[18], 2);
    const again = createSqliteKeyValue(file);
    try {
      equal(again.open('b').get('k')?.[0], 2);
    } finally {
      again.close();
    }
    throws(() => createSqliteKeyValue(''), { instanceOf: TypeError });
    throws(() => again.open('a'), { code: 'HOST_ERROR' });
  });

  it('refuses a file that is not SQLite, saying so', () => {
    const file = join(tempDir(), 'not.sqlite');
    writeFileSync(file, 'this is not a database, just text long enough to look like a header '.repeat(20));
    throws(() => createSqliteKeyValue(file), { code: 'HOST_ERROR', message: /SQLite/ });
  });

  it('4 processes x 250 increments on one file give exactly 1000', async () => {
    const file = join(tempDir(), 'shared.sqlite');
    createSqliteKeyValue(file).close();
    const store = fileURLToPath(new URL('../../src/node/key-values.js', import.meta.url));
    const script = `import { createSqliteKeyValue } from ${JSON.stringify(store)};
      // a long busy timeout: on a loaded machine 4 writers with fsync can wait longer than the default
      const b = createSqliteKeyValue(process.argv[1], { busyTimeoutMs: 60000 }).open('race');
      for (let i = 0; i < 250; i++) b.increment('hits', 1n);
      let swapped = 0;
      while (swapped < 25) { const cur = b.get('log'); if (b.compareAndSwap('log', cur, new TextEncoder().encode((cur ? new TextDecoder().decode(cur) : '') + 'x')).swapped) swapped++; }`;
    const codes = await Promise.all(Array.from({ length: 4 }, () => new Promise<number | null>((done) => {
      const p = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', script, file], { stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('close', done);
    })));
    deepEqual(codes, [0, 0, 0, 0]);
    const s = createSqliteKeyValue(file);
    try {
      equal(s.open('race').increment('hits', 0n), 1000n);
      equal(text(s.open('race').get('log'))?.length, 100);
    } finally {
      s.close();
    }
  });

  it('a path in a grant is a SQLite file; a guest\'s writes are in the file when its call returns', async () => {
    const file = join(tempDir(), 'grant.sqlite');
    const component = await loadComponent(await readFixture('kv-guest'));
    const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { '*': file } } } });
    const api = exports['test:kvguest/api'];
    api.put('notes', 'today', 'written by the guest');
    // another connection, as another process would see it
    const reader = createSqliteKeyValue(file);
    try {
      equal(text(reader.open('notes').get('today')), 'written by the guest');
    } finally {
      reader.close();
    }
    // the instance stayed synchronous: SQLite answers at once
    equal(api.increment('counts', 'n', 1n, 3), 3n);
  });

  it('Node 20 loads isowasm/node, and createSqliteKeyValue refuses with UNSUPPORTED saying what to do', () => {
    const node20 = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p) && spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.startsWith('20.'));
    if (!node20) return;
    const entry = fileURLToPath(new URL('../../../dist/node.js', import.meta.url));
    const script = `const m = await import(${JSON.stringify(entry)});
      try { m.createSqliteKeyValue('/tmp/never.sqlite'); console.log('made'); } catch (e) { console.log(e.code + ' ' + e.message); }`;
    const r = spawnSync(node20, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    equal(r.status, 0, r.stderr);
    ok(r.stdout.startsWith('UNSUPPORTED ') && r.stdout.includes('22.13'), r.stdout);
  });
});

process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
