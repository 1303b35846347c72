/**
 * isowasm's WASI 0.2 host: builds one instance's imports from its resolved grants, one room per
 * WIT package (io, cli, clocks, random, filesystem, http, sockets, config, keyvalue), deny by default.
 * Every WASI 0.2 interface is present so any guest links; ungranted ones refuse each call the
 * way the interface reports a refusal, and the refusal is reported through `onDenied`.
 */
import { IsowasmError } from '../errors.js';
import type { Capabilities, DenialReport } from '../host/capabilities.js';
import { denialError } from '../host/denial.js';
import { type Grants, resolveGrants } from '../host/grants.js';
import type { WasiHost, WasiImportOptions, WasiPlatform } from '../host/platform.js';
import { type CliOptions, cliNamespaces } from './cli.js';
import { clockNamespaces, monotonicClock } from './clocks.js';
import { configNamespaces } from './config.js';
import type { HostContext } from './context.js';
import { denyNamespaces } from './deny.js';
import { filesystemNamespaces, mountPreopens } from './filesystem/index.js';
import { httpNamespaces, httpPolicy } from './http/index.js';
import { bytesSource, ioNamespaces } from './io.js';
import { keyValueNamespaces } from './keyvalue.js';
import { cliNamespacesP3 } from './p3/cli.js';
import { clockNamespacesP3 } from './p3/clocks.js';
import { filesystemNamespacesP3 } from './p3/filesystem.js';
import { httpP3Namespaces } from './p3/http/index.js';
import { randomNamespacesP3 } from './p3/random.js';
import { deniedP3SocketNamespaces, p3SocketNamespacesFor } from './p3/sockets/index.js';
import { insecureSeed, randomNamespaces } from './random.js';
import { socketEnv } from './sockets/grant.js';
import { socketNamespacesFor } from './sockets/index.js';

/** One instance's WASI imports, served from `grants` with `platform`'s adapters. */
function createWasiImports(platform: WasiPlatform, grants: Grants, options: WasiImportOptions): Record<string, unknown> {
  const caps = grants.capabilities;
  const reported = new Set<string>();
  const report = (d: DenialReport): void => {
    const key = `${String(d.capability)}:${d.interface}`;
    if (reported.has(key)) return;
    reported.add(key);
    options.onDenied(denialError(d));
  };
  const ctx: HostContext = { async: options.async, report, afterCall: options.afterCall, ...(options.onHttpFailure ? { onHttpFailure: options.onHttpFailure } : {}), ...(options.ended ? { ended: options.ended } : {}) };
  // rooms the component does not import are left out: a fresh instance per request pays for each
  const uses = options.imports ?? ((): boolean => true);
  const stdio = caps.stdio === undefined || caps.stdio === true ? {} : caps.stdio;
  const withheld = stdio === false;
  const cliOptions: CliOptions = {
    env: Object.entries(caps.env ?? {}),
    args: caps.args ?? [],
    cwd: caps.cwd,
    stdout: withheld ? null : stdio.stdout === undefined ? platform.defaultStdout : stdio.stdout ?? (() => {}),
    stderr: withheld ? null : stdio.stderr === undefined ? platform.defaultStderr : stdio.stderr ?? (() => {}),
    stdin: bytesSource(withheld ? null : stdio.stdin ?? null),
    onWithheld: (s) => report({ capability: 'stdio', interface: `wasi:cli/${s}`, detail: `the guest wrote to ${s}`, grant: 'capabilities.stdio' }),
  };
  const out: Record<string, unknown> = {
    ...denyNamespaces(report),
    ...ioNamespaces(),
    ...cli(cliOptions),
    ...(caps.clocks === false ? withheldNamespaces('clocks', report, WITHHELD_CLOCKS) : clocks(options.async, options.ended)),
    ...(!uses('wasi:random') ? {} : caps.random === false ? withheldNamespaces('random', report, WITHHELD_RANDOM) : random()),
    // no grant: an empty preopen list (the guest links, and sees no filesystem)
    ...(uses('wasi:filesystem') ? filesystem(grants.preopens, ctx) : {}),
    ...configNamespaces(caps.config ?? {}),
    // no grant: every open is refused with access-denied
    ...(uses('wasi:keyvalue') ? keyValueNamespaces(grants.kv, ctx) : {}),
    // wasi:sockets@0.3.0 without the grant: links, and refuses at the network's edge as 0.2 does
    ...(uses('wasi:sockets') ? deniedP3SocketNamespaces(report) : {}),
  };
  const fetchAdapter = platform.fetch ?? ((r: Request) => fetch(r));
  // one allow-list for both versions
  const httpAllowList = caps.http ? httpPolicy(caps.http, fetchAdapter) : undefined;
  if (caps.http) Object.assign(out, httpNamespaces(caps.http, ctx, fetchAdapter, httpAllowList));
  // WASI 0.3's HTTP, keyed with its version beside 0.2's: granted or refused by the same capability
  if (uses('wasi:http')) Object.assign(out, httpP3Namespaces(caps.http, ctx, fetchAdapter, httpAllowList));
  if (caps.sockets) {
    if (!platform.sockets) {
      throw new IsowasmError('UNSUPPORTED', `wasi:sockets is available in Node only: the ${platform.name} platform has no sockets, so capabilities.sockets can't be granted here (remove it, or serve the component from Node)`);
    }
    // one grant, one state for both versions (names resolved through either allow connects through both)
    const env = socketEnv(caps.sockets, ctx, platform.sockets);
    Object.assign(out, socketNamespacesFor(env), p3SocketNamespacesFor(env));
  }
  return out;
}

/** Both versions of wasi:cli over the same sinks and stdin. */
function cli(o: CliOptions): Record<string, unknown> {
  return { ...cliNamespaces(o), ...cliNamespacesP3(o) };
}

/** Both versions of wasi:filesystem over the same mounts (one descriptor registry, one flush per volume). */
function filesystem(preopens: Grants['preopens'], ctx: HostContext): Record<string, unknown> {
  const mounts = mountPreopens(preopens, ctx);
  return { ...filesystemNamespaces(preopens, ctx, mounts), ...filesystemNamespacesP3(mounts) };
}

/** Both versions of wasi:clocks over one monotonic clock (their marks agree). */
function clocks(async: boolean, ended?: AbortSignal): Record<string, unknown> {
  const clock = monotonicClock();
  return { ...clockNamespaces({ async }, clock), ...clockNamespacesP3(clock, ended) };
}

/** Both versions of wasi:random with one insecure seed. */
function random(): Record<string, unknown> {
  const seed = insecureSeed();
  return { ...randomNamespaces(seed), ...randomNamespacesP3(seed) };
}

/** Interface -> functions of the clocks and random capabilities, refused one by one when withheld. */
const WITHHELD_CLOCKS: Readonly<Record<string, readonly string[]>> = {
  'wasi:clocks/wall-clock': ['now', 'resolution'],
  'wasi:clocks/monotonic-clock': ['now', 'resolution', 'subscribeInstant', 'subscribeDuration'],
  // types only: present so a 0.3 guest links (an interface with nothing to refuse)
  'wasi:clocks/types@0.3.0': [],
  'wasi:clocks/monotonic-clock@0.3.0': ['now', 'getResolution', 'waitUntil', 'waitFor'],
  'wasi:clocks/system-clock@0.3.0': ['now', 'getResolution'],
};
const WITHHELD_RANDOM: Readonly<Record<string, readonly string[]>> = {
  'wasi:random/random': ['getRandomBytes', 'getRandomU64'],
  'wasi:random/insecure': ['getInsecureRandomBytes', 'getInsecureRandomU64'],
  'wasi:random/insecure-seed': ['insecureSeed'],
  'wasi:random/random@0.3.0': ['getRandomBytes', 'getRandomU64'],
  'wasi:random/insecure@0.3.0': ['getInsecureRandomBytes', 'getInsecureRandomU64'],
  'wasi:random/insecure-seed@0.3.0': ['getInsecureSeed'],
};

/** Namespaces whose every function refuses (these interfaces have no error to report it with: the call traps). */
function withheldNamespaces(
  capability: keyof Capabilities, report: (d: DenialReport) => void, table: Readonly<Record<string, readonly string[]>>,
): Record<string, Record<string, () => never>> {
  const grant = `capabilities.${String(capability)} = true`;
  return Object.fromEntries(Object.entries(table).map(([iface, names]) => {
    const deny = (): never => {
      const d: DenialReport = { capability, interface: iface, detail: 'the guest used it', grant };
      report(d);
      throw denialError(d);
    };
    return [iface, Object.fromEntries(names.map((n) => [n, deny]))];
  }));
}

/**
 * isowasm's WASI host: what `nodeWasi` and `browserWasi` serve grants with; a platform of your
 * own can use it as its `host`.
 *
 * @example
 * ```ts
 * import { wasiHost, type WasiPlatform } from 'isowasm';
 * const edge: WasiPlatform = { name: 'edge', host: wasiHost, defaultStdout: (b) => console.log(new TextDecoder().decode(b)), defaultStderr: () => {} };
 * await component.instantiate({ wasi: edge, capabilities: { env: { MODE: 'edge' } } });
 * ```
 */
export const wasiHost: WasiHost = { resolveGrants, createImports: createWasiImports };
