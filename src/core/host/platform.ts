/**
 * The WASI platform contract: what a platform contributes to the WASI host (default stdio, host
 * directories, the fetch and socket adapters) and which WASI host serves grants with it. Kept
 * apart from the host itself (src/core/wasi) so that the loader reaches the host only through
 * the platform a caller hands it: `isowasm/core` alone carries no WASI host.
 */
import type { IsowasmError } from '../errors.js';
import type { Capabilities, OutputSink } from './capabilities.js';
import type { Grants } from './grants.js';
import type { KeyValueStore } from './key-value.js';
import type { SocketBackend } from './socket-backend.js';
import type { Volume } from './volume.js';

/**
 * What serves outgoing requests: `fetch`, or anything with its signature. Set
 * `streamsRequestBodies` to say whether it can send a `ReadableStream` request body as it is
 * written (default: found out by feature test, and never in browsers).
 *
 * @example
 * ```ts
 * const logged: FetchAdapter = (request) => { console.log(request.url); return fetch(request); };
 * ```
 */
export type FetchAdapter = ((request: Request) => Promise<Response>) & { readonly streamsRequestBodies?: boolean };

/** What one instance's WASI imports are built with, besides its grants. */
export interface WasiImportOptions {
  /** receives each refusal, once per capability and interface */
  readonly onDenied: (e: IsowasmError) => void;
  /** the instance waits on hosts by suspending (JSPI, or the parent side of a worker) */
  readonly async: boolean;
  /** registers a hook run after every call into the instance, before the call's promise resolves */
  readonly afterCall: (hook: () => Promise<void> | void) => void;
  /** told when an outgoing HTTP request of the guest fails on the way (`UPSTREAM_FAILED`) */
  readonly onHttpFailure?: (e: IsowasmError) => void;
  /**
   * Whether the component imports anything of a WIT package (`'wasi:keyvalue'`), so rooms it
   * does not import need not be built for each instance (default: build them all).
   */
  readonly imports?: (pkg: string) => boolean;
  /**
   * Aborted when the instance these imports serve ends (terminated, or reset: a reset makes new
   * imports): the rooms end their waits then (a timer a guest waits on would outlive it).
   */
  readonly ended?: AbortSignal;
}

/**
 * Builds WASI imports from grants (isowasm's is `wasiHost`, in `isowasm` and the platform entry
 * points; `isowasm/core` alone does not carry it).
 *
 * @example
 * ```ts
 * const grants = wasiHost.resolveGrants({ env: { A: '1' } }, nodeWasi);
 * const imports = wasiHost.createImports(nodeWasi, grants, { onDenied: console.warn, async: false, afterCall: () => {} });
 * ```
 */
export interface WasiHost {
  /**
   * Checks and resolves one instance's grants, once (isowasm's is `resolveGrants`; the loader
   * reaches it through the host so that `isowasm/core` alone doesn't carry it).
   */
  resolveGrants(caps: Capabilities, platform: WasiPlatform): Grants;
  /** one instance's WASI imports, served from its grants (deny by default) */
  createImports(platform: WasiPlatform, grants: Grants, options: WasiImportOptions): Record<string, unknown>;
}

/**
 * What a platform contributes to the WASI host: where stdout and stderr go by default, and the
 * filesystem, HTTP and socket adapters its grants are served with. `nodeWasi` and `browserWasi`
 * are the two isowasm ships; an edge runtime can make its own from `wasiHost`.
 *
 * @example
 * ```ts
 * import { wasiHost, type WasiPlatform } from 'isowasm';
 * const edgeWasi: WasiPlatform = {
 *   name: 'edge', host: wasiHost,
 *   defaultStdout: (b) => console.log(new TextDecoder().decode(b)), defaultStderr: () => {},
 * };
 * await component.instantiate({ wasi: edgeWasi, capabilities: { env: { MODE: 'edge' } } });
 * ```
 */
export interface WasiPlatform {
  /** `'node'`, `'browser'`, ... for messages */
  readonly name: string;
  /** the WASI host that serves grants with these adapters */
  readonly host: WasiHost;
  readonly defaultStdout: OutputSink;
  readonly defaultStderr: OutputSink;
  /**
   * The volume serving a host directory granted by path (`preopens: { '/data': './data' }`);
   * absent on platforms without host directories (browsers), where such grants are refused.
   */
  directoryVolume?(hostPath: string, options: { readOnly: boolean }): Volume;
  /**
   * The store serving `wasi:keyvalue` buckets granted by file path (`kv: { buckets: { '*':
   * './data/kv.sqlite' } }`): SQLite in Node; absent elsewhere, where such grants are refused.
   */
  keyValueFile?(hostPath: string): KeyValueStore;
  /** what outgoing HTTP goes through (default: the global `fetch`) */
  readonly fetch?: FetchAdapter;
  /** what `wasi:sockets` goes through when granted (Node's node:net backend); absent: granting sockets is refused */
  readonly sockets?: SocketBackend;
}
