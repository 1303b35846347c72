/**
 * The Redis key-value store, for state shared by many machines: each bucket is one Redis hash
 * (`<prefix><bucket>`, fields are keys), served through node-redis (the `redis` package, an
 * optional peer dependency loaded when the first store is made; or a client you pass). Increment
 * is HINCRBY and compare-and-swap a Lua script, both atomic in the server: nothing is read,
 * changed and written back from here. A write is acknowledged by the server before its call
 * resolves (durable as far as the server's own persistence settings make it).
 *
 * node-redis over ioredis: it is the client Redis itself maintains and recommends for new code
 * (ioredis is in maintenance mode), it has no dependencies of its own, and its type mapping hands
 * values back as bytes.
 */
import { IsowasmError } from '../core/errors.js';
import { addToCounter, KeyValueError, type KeyPage, type KeyValueBucket, type KeyValueStore, type SwapResult } from '../core/host/key-value.js';

/** The part of a node-redis client this store uses (node-redis 5 and later). */
export interface RedisCommandClient {
  sendCommand(args: readonly (string | Uint8Array)[], options?: { typeMapping?: Record<number, unknown>; timeout?: number; rejectInFlight?: boolean }): Promise<unknown>;
}

interface OwnClient extends RedisCommandClient {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  on(event: 'error', listener: (e: unknown) => void): unknown;
}

/**
 * Options of `createRedisKeyValue`: a server URL (the store connects and owns the client), or a
 * connected node-redis client of yours.
 *
 * @example
 * ```ts
 * createRedisKeyValue({ url: 'redis://127.0.0.1:6379', prefix: 'app:kv:' });
 * createRedisKeyValue({ client: myConnectedClient });
 * ```
 */
export interface RedisKeyValueOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`) */
  readonly url?: string;
  /** a connected node-redis client; the store then never closes it */
  readonly client?: RedisCommandClient;
  /** prepended to each bucket name to make its Redis key (default `'isowasm:kv:'`) */
  readonly prefix?: string;
  /** told about connection errors of a client the store made (default: `console.warn`) */
  readonly onError?: (error: unknown) => void;
  /**
   * How long one command may take, sent and answered, before its call fails (default 10000 ms):
   * a server that stops answering (paused, a network that drops packets) fails calls in bounded
   * time instead of hanging the guest. A write that timed out may still have been done.
   */
  readonly commandTimeoutMs?: number;
}

/**
 * A store in Redis.
 *
 * @example
 * ```ts
 * const store: RedisKeyValueStore = createRedisKeyValue({ url: 'redis://127.0.0.1:6379' });
 * await (await store.open('notes')).set('a', new Uint8Array([1]));
 * await store.close();
 * ```
 */
export interface RedisKeyValueStore extends KeyValueStore {
  readonly async: true;
  open(name: string): Promise<KeyValueBucket>;
  /** Closes the connection if the store made it. */
  close(): Promise<void>;
}

/** Bytes as node-redis takes them (a Buffer over the same memory). */
const arg = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** node-redis's code for bulk strings, mapped to Buffer so that values come back as bytes. */
const BLOB_STRING = 36;
/** node-redis's code for integers, mapped to String so that a counter comes back exact (past 2^53 too). */
const NUMBER = 58;

/** The client to send a command with (the store's current one), and the options of every command. */
interface Connection {
  /** where the server is, for messages */
  readonly where: string;
  readonly client: () => Promise<RedisCommandClient>;
  readonly plain: { timeout?: number; rejectInFlight?: boolean };
  readonly asBytes: { typeMapping: Record<number, unknown>; timeout?: number; rejectInFlight?: boolean };
  readonly numbersAsText: { typeMapping: Record<number, unknown>; timeout?: number; rejectInFlight?: boolean };
}

// ARGV: field, '1' when a value is expected (ARGV[3]) or '0' when absence is, new value
const COMPARE_AND_SWAP = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then if cur ~= ARGV[3] then return {0, cur} end elseif cur then return {0, cur} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) return {1}`;

const bytes = (v: unknown): Uint8Array | undefined => {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  throw new KeyValueError(`Redis answered ${typeof v} where a value was expected`);
};

/** Whether `e` is an error reply of the server (node-redis's ErrorReply or a subclass), not a connection failure. */
function isErrorReply(e: unknown): boolean {
  for (let p: unknown = e; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

/** A Redis error as a store refusal the guest understands (the message says what Redis said). */
function incrementError(e: unknown, key: string, delta: bigint): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (/not an integer/.test(msg)) return new KeyValueError(`the value of ${JSON.stringify(key)} is not a decimal integer, so it can't be incremented`, { cause: e });
  if (/overflow/.test(msg)) return new KeyValueError(`incrementing ${JSON.stringify(key)} by ${delta} would leave the signed 64-bit range`, { cause: e });
  return e;
}

class RedisBucket implements KeyValueBucket {
  readonly name: string;
  readonly #c: Connection;
  readonly #hash: string;

  constructor(name: string, c: Connection, hash: string) {
    this.name = name;
    this.#c = c;
    this.#hash = hash;
  }

  /**
   * Sends one command on the store's current client (not the one of when the bucket was opened:
   * a client that gave up reconnecting is replaced, and a bucket a guest keeps must follow).
   */
  async #send(args: readonly (string | Uint8Array)[], as: 'plain' | 'asBytes' | 'numbersAsText' = 'plain'): Promise<unknown> {
    const client = await this.#c.client();
    try {
      return await client.sendCommand(args, this.#c[as]);
    } catch (e) {
      // the server's own answer (not an integer, ...) goes on as it is; anything else is the connection
      if (isErrorReply(e)) throw e;
      throw new IsowasmError('HOST_ERROR', `Redis ${this.#c.where} did not answer (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}): is the server up and reachable? Calls work again once it is (a write that failed this way may or may not have been done)`, { cause: e });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return bytes(await this.#send(['HGET', this.#hash, key], 'asBytes'));
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await this.#send(['HSET', this.#hash, key, arg(value)]);
  }

  async delete(key: string): Promise<void> {
    await this.#send(['HDEL', this.#hash, key]);
  }

  async exists(key: string): Promise<boolean> {
    return Number(await this.#send(['HEXISTS', this.#hash, key])) === 1;
  }

  async listKeys(cursor: string | undefined, limit: number): Promise<KeyPage> {
    // our cursor: HSCAN's, then the last key given from that HSCAN page when it had more than a page
    const m = cursor === undefined ? null : /^([0-9]{1,20})(?::([\s\S]*))?$/.exec(cursor);
    if (cursor !== undefined && !m) throw new KeyValueError('the cursor is not one list-keys gave');
    const scan = m?.[1] ?? '0';
    const after = m?.[2];
    // HSCAN: complete across rehashing, but a small hash (a listpack) comes whole whatever COUNT
    // says, and a key may come twice: sort the page and hand it out a limit at a time
    const [next, flat] = await this.#send(['HSCAN', this.#hash, scan, 'COUNT', String(limit)]) as [string, string[]];
    let keys = [...new Set(flat.filter((_, i) => i % 2 === 0))].sort();
    if (after !== undefined) keys = keys.filter((k) => k > after);
    if (keys.length > limit) {
      const page = keys.slice(0, limit);
      return { keys: page, cursor: `${scan}:${page[page.length - 1]}` };
    }
    return { keys, cursor: next === '0' ? undefined : next };
  }

  async increment(key: string, delta: bigint): Promise<bigint> {
    let reply: unknown;
    try {
      // HINCRBY's integer reply as text (exact past 2^53; node-redis 5's type mapping)
      reply = await this.#send(['HINCRBY', this.#hash, key, delta.toString()], 'numbersAsText');
    } catch (e) {
      throw incrementError(e, key, delta);
    }
    // the server's decimal text, checked as every store checks it
    return addToCounter(new TextEncoder().encode(String(reply)), 0n, key);
  }

  async compareAndSwap(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<SwapResult> {
    const args = ['EVAL', COMPARE_AND_SWAP, '1', this.#hash, key, expected === undefined ? '0' : '1', expected === undefined ? '' : arg(expected), arg(value)];
    const reply = await this.#send(args, 'asBytes') as [number, unknown?];
    if (Number(reply[0]) === 1) return { swapped: true };
    return { swapped: false, current: bytes(reply[1] ?? null) };
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const reply = await this.#send(['HMGET', this.#hash, ...keys], 'asBytes') as unknown[];
    return reply.map(bytes);
  }

  async setMany(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#send(['HSET', this.#hash, ...entries.flatMap(([k, v]) => [k, arg(v)])]);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#send(['HDEL', this.#hash, ...keys]);
  }
}

/** `url` without its password, for messages. */
function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** `redis`'s `createClient`, or UNSUPPORTED saying how to install it. */
async function redisCreateClient(): Promise<(options: object) => OwnClient> {
  // kept out of static analysis: redis is an optional peer dependency, never bundled
  const name = 'redis';
  try {
    const m = await import(name) as { createClient: (options: object) => OwnClient };
    return m.createClient;
  } catch (e) {
    throw new IsowasmError('UNSUPPORTED', `createRedisKeyValue({ url }) needs the redis package (node-redis 5 or later): npm install redis; or pass a connected client as createRedisKeyValue({ client })`, { cause: e });
  }
}

/**
 * A key-value store in a Redis server, shared by every machine that uses the same server and
 * prefix. Asynchronous: instances granted it run asynchronously (JSPI, or a worker). With `url`
 * the store connects on first use (the `redis` package must be installed) and `close()`
 * disconnects; with `client` it uses yours.
 *
 * @example
 * ```ts
 * import { createRedisKeyValue } from 'isowasm/node';
 * const store = createRedisKeyValue({ url: 'redis://127.0.0.1:6379' });
 * const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { '*': store } } } });
 * await store.close();
 * ```
 */
export function createRedisKeyValue(options: RedisKeyValueOptions): RedisKeyValueStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('createRedisKeyValue(options): options must be { url } or { client }');
  const { url, client: given, prefix = 'isowasm:kv:', onError = (e: unknown) => console.warn(`isowasm: Redis key-value store: ${e instanceof Error ? e.message : String(e)}`), commandTimeoutMs = 10_000 } = options;
  if ((url === undefined) === (given === undefined)) throw new TypeError('createRedisKeyValue(options): give exactly one of url and client');
  if (url !== undefined && typeof url !== 'string') throw new TypeError('createRedisKeyValue: url must be a string such as redis://127.0.0.1:6379');
  if (given !== undefined && typeof given.sendCommand !== 'function') throw new TypeError('createRedisKeyValue: client must be a node-redis client (with sendCommand)');
  if (typeof prefix !== 'string') throw new TypeError('createRedisKeyValue: prefix must be a string');
  if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs < 1) throw new TypeError('createRedisKeyValue: commandTimeoutMs must be a positive integer (milliseconds)');
  let connecting: Promise<RedisCommandClient> | null = given ? Promise.resolve(given) : null;
  let own: OwnClient | null = null;
  let closed = false;
  const connect = async (): Promise<RedisCommandClient> => {
    const createClient = await redisCreateClient();
    // no offline queue: while the server is unreachable a call fails at once (the guest gets
    // error::other) instead of waiting for a reconnection; a few tries to connect, then give up
    const c = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 5000, reconnectStrategy: (retries: number, cause: Error) => (retries >= 5 ? cause : Math.min(50 * 2 ** retries, 2000)) },
    });
    c.on('error', onError);
    own = c;
    await c.connect();
    return c;
  };
  const client = (): Promise<RedisCommandClient> => {
    if (closed) return Promise.reject(new IsowasmError('HOST_ERROR', 'the Redis key-value store was closed'));
    // a client that gave up reconnecting is replaced by a new one on the next call
    if (own && !own.isOpen) {
      own = null;
      connecting = null;
    }
    connecting ??= connect().catch((e: unknown) => {
      connecting = null;
      throw new IsowasmError('HOST_ERROR', `can't connect to Redis at ${redactUrl(String(url))}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    return connecting;
  };
  const plain = { timeout: commandTimeoutMs, rejectInFlight: true };
  const connection: Connection = {
    where: url === undefined ? '(your client)' : `at ${redactUrl(url)}`, client, plain,
    asBytes: { ...plain, typeMapping: { [BLOB_STRING]: Buffer } }, numbersAsText: { ...plain, typeMapping: { [NUMBER]: String } },
  };
  return {
    async: true,
    async open(name: string): Promise<KeyValueBucket> {
      if (typeof name !== 'string') throw new TypeError('KeyValueStore.open(name): name must be a string');
      // connect (or fail) now, as a guest's open should tell it whether the store is there
      await client();
      return new RedisBucket(name, connection, `${prefix}${name}`);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // a client that gave up reconnecting is closed already
      if (own?.isOpen) await own.close();
    },
  };
}
