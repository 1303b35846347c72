/**
 * The WASI platform contract and its registry: what a platform contributes (adapters, default
 * stdio) and which WASI host serves grants with it. Kept apart from the host itself so that the
 * loader reaches the host only through what the platform entry points register: `isowasm/core`
 * alone stays small.
 */
import type { IsowasmError } from '../errors.js';
import type { Capabilities, DenialReport, OutputSink, PreopenGrant } from './capabilities.js';
import type { SocketBackend } from './socket-backend.js';
import type { Volume } from './volume.js';
import type { FetchAdapter } from './wasi/http.js';

/** Builds WASI imports from grants (isowasm's is `wasiHost`). */
export interface WasiHost {
  /** one instance's WASI imports, served from its grants (deny by default) */
  createImports(
    platform: WasiPlatform, caps: Capabilities, onDenied: (e: IsowasmError) => void,
    options: { async: boolean; afterCall: (() => Promise<void> | void)[] },
  ): Record<string, unknown>;
  /** whether grants are served asynchronously (the instance must then be async) */
  needsAsync(caps: Capabilities): boolean;
}

/**
 * What a platform contributes to the WASI host: where stdout and stderr go by default, and the
 * filesystem and HTTP implementations its grants are served with.
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
   * Serves `wasi:filesystem` itself instead of isowasm's host over volumes (which confines
   * paths and enforces read-only grants; a replacement must do the same).
   */
  filesystem?(preopens: Readonly<Record<string, PreopenGrant>>, ctx: HostContext): Record<string, unknown>;
  /** what outgoing HTTP goes through (default: the global `fetch`) */
  readonly fetch?: FetchAdapter;
  /** what `wasi:sockets` goes through when granted (Node's node:net backend); absent: granting sockets is refused */
  readonly sockets?: SocketBackend;
}

/** What every part of one instance's WASI host shares. */
export interface HostContext {
  /** the instance waits on hosts with JSPI (waits return promises) rather than blocking */
  readonly async: boolean;
  /** reports a refused operation once per capability and interface */
  readonly report: (d: DenialReport) => void;
  /**
   * Runs `hook` after every call into the instance, before the call's promise resolves (async
   * instances only): what a call wrote is durable once the call has completed.
   */
  readonly afterCall: (hook: () => Promise<void> | void) => void;
}

let defaultPlatform: WasiPlatform | null = null;

/**
 * Registers the platform whose adapters serve WASI grants by default. The `isowasm` entry points
 * for Node and browsers register theirs on import; code that uses `isowasm/core` alone can too.
 *
 * @example
 * ```ts
 * import { setWasiPlatform } from 'isowasm/core';
 * setWasiPlatform({ name: 'edge', defaultStdout: (b) => console.log(new TextDecoder().decode(b)), defaultStderr: () => {} });
 * ```
 */
export function setWasiPlatform(platform: WasiPlatform | null): void {
  defaultPlatform = platform;
}

export function wasiPlatform(): WasiPlatform | null {
  return defaultPlatform;
}

