/**
 * Node key-value stores: the embedded default, one SQLite file (node:sqlite, no package to
 * install) holding every bucket as rows of one table. Synchronous like the guest's calls, so an
 * instance granted it stays synchronous. WAL mode with `synchronous=FULL`: a write is on disk when
 * the call returns. Atomics run as `BEGIN IMMEDIATE` transactions, so several processes (or
 * connections) sharing the file increment and swap correctly; a writer waits up to
 * `busyTimeoutMs` for another.
 *
 * node:sqlite is loaded when the first store is made, so `isowasm/node` still loads on Node
 * versions without it (20, and 22 before 22.13, where it needs a flag).
 */
import { nodeBuiltin, nodeFs } from './builtins.js';
import { dirname, resolve } from 'node:path';
import { IsowasmError } from '../core/errors.js';
import { addToCounter, counterBytes, type KeyPage, type SwapResult, sameBytes } from '../core/host/key-value.js';
import type { SyncKeyValueBucket, SyncKeyValueStore } from '../core/host/key-values/memory.js';

type Row = Record<string, unknown>;
interface Statement {
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): unknown;
}
interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}
type SqliteModule = { DatabaseSync: new (path: string) => Database };

let sqlite: SqliteModule | null = null;

/** node:sqlite, or UNSUPPORTED saying which Node has it. */
function loadSqlite(): SqliteModule {
  if (sqlite) return sqlite;
  try {
    sqlite = nodeBuiltin<SqliteModule>('node:sqlite');
    return sqlite;
  } catch (e) {
    throw new IsowasmError(
      'UNSUPPORTED',
      `createSqliteKeyValue needs node:sqlite, which Node has without a flag from 22.13 (23.4 in Node 23); this is Node ${process.versions.node}: upgrade Node, or grant another store (createMemoryKeyValue(), createRedisKeyValue({ url }))`,
      { cause: e },
    );
  }
}

/**
 * Options of `createSqliteKeyValue`.
 *
 * @example
 * ```ts
 * createSqliteKeyValue('./data/kv.sqlite', { busyTimeoutMs: 10_000 });
 * ```
 */
export interface SqliteKeyValueOptions {
  /** how long a write waits for another connection's transaction, in ms (default 5000) */
  readonly busyTimeoutMs?: number;
}

/**
 * A store in one SQLite file.
 *
 * @example
 * ```ts
 * const store: SqliteKeyValueStore = createSqliteKeyValue('./data/kv.sqlite');
 * store.open('notes').set('a', new Uint8Array([1]));
 * store.close();
 * ```
 */
export interface SqliteKeyValueStore extends SyncKeyValueStore {
  /** the file's absolute path */
  readonly path: string;
  /** Closes the database; the store can't be used afterwards. */
  close(): void;
}

interface Statements {
  get: Statement;
  exists: Statement;
  put: Statement;
  del: Statement;
  first: Statement;
  after: Statement;
}

class SqliteBucket implements SyncKeyValueBucket {
  readonly name: string;
  readonly #db: Database;
  readonly #s: Statements;

  constructor(name: string, db: Database, s: Statements) {
    this.name = name;
    this.#db = db;
    this.#s = s;
  }

  get(key: string): Uint8Array | undefined {
    const row = this.#s.get.get(this.name, key);
    return row === undefined ? undefined : row.value as Uint8Array;
  }

  set(key: string, value: Uint8Array): void {
    this.#s.put.run(this.name, key, value);
  }

  delete(key: string): void {
    this.#s.del.run(this.name, key);
  }

  exists(key: string): boolean {
    return this.#s.exists.get(this.name, key) !== undefined;
  }

  listKeys(cursor: string | undefined, limit: number): KeyPage {
    // one more than asked, to know whether another page follows
    const rows = cursor === undefined ? this.#s.first.all(this.name, limit + 1) : this.#s.after.all(this.name, cursor, limit + 1);
    const keys = rows.slice(0, limit).map((r) => r.key as string);
    return { keys, cursor: rows.length > limit ? keys[keys.length - 1] : undefined };
  }

  increment(key: string, delta: bigint): bigint {
    return this.#transaction(() => {
      const n = addToCounter(this.get(key), delta, key);
      this.set(key, counterBytes(n));
      return n;
    });
  }

  compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): SwapResult {
    return this.#transaction((): SwapResult => {
      const current = this.get(key);
      if (!sameBytes(current, expected)) return { swapped: false, current };
      this.set(key, value);
      return { swapped: true };
    });
  }

  getMany(keys: readonly string[]): (Uint8Array | undefined)[] {
    return keys.map((k) => this.get(k));
  }

  setMany(entries: readonly (readonly [string, Uint8Array])[]): void {
    // one transaction: one fsync for the batch
    this.#transaction(() => { for (const [k, v] of entries) this.set(k, v); });
  }

  deleteMany(keys: readonly string[]): void {
    this.#transaction(() => { for (const k of keys) this.delete(k); });
  }

  /** `fn` in a write transaction taken at once (BEGIN IMMEDIATE), rolled back if it throws. */
  #transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
    this.#db.exec('COMMIT');
    return result;
  }
}

/**
 * A key-value store in the SQLite file at `path` (Node 22.13+; made with its directory when
 * missing): every bucket in one file, durable once a write returns, atomics correct across
 * processes sharing the file. A path string in a grant (`kv: { buckets: { '*': './data/kv.sqlite'
 * } }`) or `isowasm run --kv ./data/kv.sqlite` makes one for you.
 *
 * @example
 * ```ts
 * import { createSqliteKeyValue } from 'isowasm/node';
 * const store = createSqliteKeyValue('./data/kv.sqlite');
 * await component.instantiate({ capabilities: { kv: { buckets: { notes: store } } } });
 * ```
 */
export function createSqliteKeyValue(path: string, options: SqliteKeyValueOptions = {}): SqliteKeyValueStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('createSqliteKeyValue(path): path must name a file');
  const busy = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busy) || busy < 0) throw new TypeError('createSqliteKeyValue: busyTimeoutMs must be a non-negative integer');
  const { DatabaseSync } = loadSqlite();
  const abs = resolve(path);
  nodeFs().mkdirSync(dirname(abs), { recursive: true });
  const db = new DatabaseSync(abs);
  try {
    db.exec(`PRAGMA busy_timeout = ${busy}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('CREATE TABLE IF NOT EXISTS isowasm_kv (bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID');
  } catch (e) {
    db.close();
    throw new IsowasmError('HOST_ERROR', `can't use ${abs} as a key-value store: ${(e as Error).message} (is it a SQLite file?)`, { cause: e });
  }
  const s: Statements = {
    get: db.prepare('SELECT value FROM isowasm_kv WHERE bucket = ? AND key = ?'),
    exists: db.prepare('SELECT 1 FROM isowasm_kv WHERE bucket = ? AND key = ?'),
    put: db.prepare('INSERT INTO isowasm_kv (bucket, key, value) VALUES (?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value'),
    del: db.prepare('DELETE FROM isowasm_kv WHERE bucket = ? AND key = ?'),
    first: db.prepare('SELECT key FROM isowasm_kv WHERE bucket = ? ORDER BY key LIMIT ?'),
    after: db.prepare('SELECT key FROM isowasm_kv WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
  };
  let closed = false;
  return {
    async: false,
    path: abs,
    open(name: string): SyncKeyValueBucket {
      if (typeof name !== 'string') throw new TypeError('KeyValueStore.open(name): name must be a string');
      if (closed) throw new IsowasmError('HOST_ERROR', `the key-value store ${abs} was closed`);
      // nothing kept per bucket: a guest opening many names holds nothing here
      return new SqliteBucket(name, db, s);
    },
    close(): void {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
