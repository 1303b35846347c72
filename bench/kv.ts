/**
 * wasi:keyvalue throughput (`npm run bench:kv`): get, set and increment per second through a guest
 * for each Node backend, beside the same backend's own client called directly from JS and beside
 * the isowasm store called from the host, all measured in the same run (batches alternate).
 *
 * The guest is test/fixtures/kv-bench (a core module in WAT using wasi:keyvalue 0.2.0-draft2), so
 * a guest call costs the Canonical ABI and the host only, no guest engine (a componentize-js guest
 * adds its own ~0.1 ms). Each op is one guest export call doing one store call, awaited before the
 * next; values are 100 bytes, and each set writes a value other than the one before (SQLite skips a
 * write that changes nothing, fsync included).
 *
 *   memory   createMemoryKeyValue(); direct: the store's bucket object
 *   SQLite   createSqliteKeyValue(file); direct: node:sqlite statements on a file of its own with
 *            the same pragmas (WAL, synchronous=FULL: an fsync per write), increment one UPSERT
 *   Redis    createRedisKeyValue({ url }); direct: node-redis hGet / hSet / hIncrBy on a
 *            redis-server this script starts on 127.0.0.1 (persistence off), guest async (JSPI)
 *
 * IndexedDB is browser-only and not measured here (README gives its per-call figures).
 *
 *   BENCH_QUICK=1 node build/bench/kv.js      fewer, shorter batches
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createClient } from 'redis';
import { createMemoryKeyValue, createRedisKeyValue, createSqliteKeyValue, type KeyValueStore, loadComponent } from '../src/index.node.js';
import { root } from './_common.js';
import { type RedisTestServer, startRedis } from '../test/node/redis-test-server.js';
import { formatNs, measureAsync, printTable, type Stat } from './_measure.js';

const VALUE = new Uint8Array(100).fill(7);
// set alternates two values: SQLite skips the write (and its fsync) of a value that did not change
const VALUES = [new Uint8Array(100).fill(1), new Uint8Array(100).fill(2)] as const;
let turn = 0;
const next = (): Uint8Array => VALUES[turn++ & 1]!;

interface Ops {
  get(): Promise<unknown>;
  set(): Promise<unknown>;
  increment(): Promise<unknown>;
}

const component = await loadComponent(readFileSync(join(root, 'build/fixtures/kv-bench.wasm')));

/** The guest's ops on `store` (bucket 'bench'), and the store's own from the host side. */
async function throughIsowasm(store: KeyValueStore): Promise<{ guest: Ops; host: Ops }> {
  const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { bench: store } } } });
  await exports.open('bench');
  await exports.set('k', VALUE);
  const bucket = await store.open('bench');
  return {
    guest: { get: async () => exports.get('k'), set: async () => exports.set('s', next()), increment: async () => exports.increment('n') },
    host: { get: async () => bucket.get('k'), set: async () => bucket.set('s', next()), increment: async () => bucket.increment('n', 1n) },
  };
}

interface Result {
  readonly backend: string;
  readonly op: keyof Ops;
  readonly stats: Record<string, Stat>;
  readonly target: boolean;
}

async function measureBackend(backend: string, direct: Ops, isowasm: { guest: Ops; host: Ops }, target: boolean): Promise<Result[]> {
  const out: Result[] = [];
  for (const op of ['get', 'set', 'increment'] as const) {
    const stats = await measureAsync({ direct: direct[op], store: isowasm.host[op], guest: isowasm.guest[op] });
    out.push({ backend, op, stats, target });
    console.error(`  ${backend} ${op}: done`);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'isowasm-bench-kv-'));
let redis: RedisTestServer | null = null;
const results: Result[] = [];
try {
  const cpu = cpus();
  console.log(`wasi:keyvalue benchmark: Node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('guest: test/fixtures/kv-bench (WAT, wasi:keyvalue 0.2.0-draft2); median over batches (fastest–slowest), batches alternate between contenders\n');

  // memory
  {
    const store = createMemoryKeyValue();
    const b = store.open('direct');
    b.set('k', VALUE);
    const direct: Ops = { get: async () => b.get('k'), set: async () => b.set('s', next()), increment: async () => b.increment('n', 1n) };
    results.push(...await measureBackend('memory', direct, await throughIsowasm(store), false));
  }

  // SQLite
  {
    const store = createSqliteKeyValue(join(dir, 'isowasm.sqlite'));
    const db = new DatabaseSync(join(dir, 'direct.sqlite'));
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
    const get = db.prepare('SELECT value FROM kv WHERE key = ?');
    const put = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const incr = db.prepare('INSERT INTO kv (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value');
    put.run('k', VALUE);
    const direct: Ops = { get: async () => get.get('k'), set: async () => put.run('s', next()), increment: async () => incr.get('n') };
    try {
      results.push(...await measureBackend('SQLite', direct, await throughIsowasm(store), true));
    } finally {
      db.close();
      store.close();
    }
  }

  // Redis
  {
    redis = await startRedis();
    const client = createClient({ url: redis.url });
    await client.connect();
    const store = createRedisKeyValue({ url: redis.url });
    await client.hSet('direct', 'k', Buffer.from(VALUE));
    const buffers = VALUES.map((v) => Buffer.from(v));
    const direct: Ops = { get: () => client.hGet('direct', 'k'), set: () => client.hSet('direct', 's', buffers[turn++ & 1]!), increment: () => client.hIncrBy('direct', 'n', 1) };
    try {
      results.push(...await measureBackend('Redis', direct, await throughIsowasm(store), true));
    } finally {
      await client.close();
      await store.close();
    }
  }
} finally {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}

const opsPerSecond = (s: Stat): string => {
  const n = 1e9 / s.median;
  return n >= 1e5 ? `${Math.round(n / 1e3)}k` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
};
const ratio = (s: Stat, anchor: Stat): string => `${(s.median / anchor.median).toFixed(2)}x`;
console.log('');
printTable(
  ['backend', 'op', 'direct client ops/s', 'store from host ops/s', 'guest ops/s', 'guest time per op', 'guest / direct', 'store / direct', 'target (guest within 2x)'],
  results.map((r) => {
    const { direct, store, guest } = r.stats as { direct: Stat; store: Stat; guest: Stat };
    const x = guest.median / direct.median;
    return [r.backend, r.op, opsPerSecond(direct), opsPerSecond(store), opsPerSecond(guest), formatNs(guest.median), ratio(guest, direct), ratio(store, direct), r.target ? (x <= 2 ? 'met' : 'MISSED') : '—'];
  }),
);
