/**
 * Capability grants: what an instance may reach. Everything not granted is denied; a denied
 * WASI interface still links, and each call fails the way that interface reports a refusal.
 * Grants are per instance.
 */
import type { KeyValueLimits, KeyValueStore } from './key-value.js';
import type { Volume } from './volume.js';

/** Receives what the guest writes to stdout or stderr. */
export type OutputSink = (bytes: Uint8Array) => void;

/** Where the guest's stdin comes from: the whole input up front, or a chunk per read (null = end). */
export type InputSource = Uint8Array | string | (() => Uint8Array | null);

/**
 * Where the guest's stdio goes: sinks for stdout and stderr, a source for stdin.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const stdio: StdioGrant = { stdout: (b) => lines.push(new TextDecoder().decode(b)), stderr: null, stdin: 'input text' };
 * await component.instantiate({ capabilities: { stdio } });
 * ```
 */
export interface StdioGrant {
  /** default: the host's stdout (process.stdout in Node, console.log in browsers); null discards */
  readonly stdout?: OutputSink | null;
  /** default: the host's stderr (process.stderr in Node, console.error in browsers); null discards */
  readonly stderr?: OutputSink | null;
  /** default: empty */
  readonly stdin?: InputSource | null;
}

/** A directory the guest sees at a path of its own. */
export interface PreopenGrant {
  /**
   * What backs it: a host directory path (Node), or a volume object made by a platform
   * factory (`createMemoryVolume()`, `createIndexedDbVolume()`, `createDirectoryVolume()`).
   */
  readonly volume: string | Volume;
  readonly readOnly?: boolean;
}

/**
 * The `wasi:keyvalue` grant: bucket name -> the store that serves it (`'*'` serves every name not
 * listed), and bounds on what the guest may ask.
 *
 * @example
 * ```ts
 * const kv: KeyValueGrant = { buckets: { notes: createMemoryKeyValue(), '*': './data/kv.sqlite' } };
 * await component.instantiate({ capabilities: { kv } });
 * ```
 */
export interface KeyValueGrant {
  /** a store object, or (Node) the path of a SQLite file, one file holding every bucket */
  readonly buckets: Readonly<Record<string, KeyValueStore | string>>;
  readonly limits?: KeyValueLimits;
}

/**
 * What one instance may reach, deny by default: each field grants one capability, and whatever
 * is left out is refused (stdio, clocks and random excepted, which are granted unless `false`).
 *
 * @example
 * ```ts
 * const caps: Capabilities = {
 *   env: { LANG: 'en' },
 *   args: ['app', '--verbose'],
 *   fs: { preopens: { '/data': createMemoryVolume(), '/site': { volume: './site', readOnly: true } } },
 *   http: { allow: ['https://api.example.com'] },
 * };
 * await component.instantiate({ capabilities: caps });
 * ```
 */
export interface Capabilities {
  /** stdout/stderr/stdin; `false` withholds all three (writes fail as a closed stream). */
  readonly stdio?: boolean | StdioGrant;
  /** Environment variables the guest sees; never the host's own unless you pass them. */
  readonly env?: Readonly<Record<string, string>>;
  /** Command-line arguments, program name first by convention. */
  readonly args?: readonly string[];
  /** The guest's initial working directory. */
  readonly cwd?: string;
  /** Wall and monotonic clocks; granted unless `false`. */
  readonly clocks?: boolean;
  /** Secure and insecure randomness; granted unless `false`. */
  readonly random?: boolean;
  /** Filesystem preopens: guest path -> volume (a string is a host directory in Node). */
  readonly fs?: { readonly preopens: Readonly<Record<string, string | Volume | PreopenGrant>> };
  /**
   * Outgoing HTTP: allowed origins, e.g. `https://api.example.com`, `https://*.example.com`,
   * `http://127.0.0.1:8080`; and header names the guest may not set on any request or response it
   * makes (beyond the hop-by-hop ones always refused; `fields` refuses them with `forbidden`).
   */
  readonly http?: { readonly allow: readonly string[]; readonly forbiddenHeaders?: readonly string[] };
  /**
   * `wasi:keyvalue` (store, atomics, batch) buckets: `{ buckets: { name: store } }`; opening a
   * bucket not named here (nor by `'*'`) fails with `access-denied`. Asynchronous stores
   * (IndexedDB, Redis) make the instance asynchronous.
   */
  readonly kv?: KeyValueGrant;
  /** `wasi:config/store` values. */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * `wasi:sockets` (Node only; browsers refuse the grant with `UNSUPPORTED`): the `host:port`
   * addresses the guest may connect to, bind to and send datagrams to, e.g. `'127.0.0.1:8080'`,
   * `'[::1]:80'`, `'example.com:443'`, `'*.svc.example:7000'`, `'*:5432'`, `'db.internal:*'`. A name
   * allows the addresses the guest resolved it to (through wasi:sockets/ip-name-lookup, which only
   * looks up names the list could allow); an IP address otherwise needs its own entry or `*`.
   * Granting sockets makes the instance asynchronous (exports return promises).
   */
  readonly sockets?: { readonly allow: readonly string[] };
}

/** A refusal the host reports: which capability, and the grant that would allow it. */
export interface DenialReport {
  readonly capability: keyof Capabilities;
  readonly interface: string;
  readonly detail: string;
  readonly grant: string;
}
