import { IsowasmError } from '../errors.js';
import { denialError } from './denial.js';
import type { Capabilities, DenialReport, PreopenGrant } from './capabilities.js';
import type { HostContext, WasiHost, WasiPlatform } from './platform.js';
import { cliNamespaces } from './wasi/cli.js';
import { denyNamespaces } from './wasi/deny.js';
import { httpNamespaces } from './wasi/http.js';
import { socketNamespaces } from './wasi/sockets.js';
import { clockNamespaces } from './wasi/clocks.js';
import { ioNamespaces } from './wasi/io.js';
import { randomNamespaces } from './wasi/random.js';
import { filesystemNamespaces, preopensFromGrant } from './wasi/filesystem.js';

/** Whether these grants need an asynchronous instance (JSPI or a worker): fetch and async volumes can't be waited on synchronously. */
export function grantsNeedAsync(caps: Capabilities): boolean {
  if (caps.http) return true;
  // node:net, node:dgram and node:dns only answer asynchronously
  if (caps.sockets) return true;
  return Object.values(caps.fs?.preopens ?? {}).some((g) => {
    const v = typeof g === 'object' && g !== null && 'volume' in g ? (g as PreopenGrant).volume : g;
    return typeof v === 'object' && v !== null && (v as { async?: unknown }).async === true;
  });
}

export { denialError };

/**
 * Builds one instance's WASI imports from its grants (deny by default). Every WASI 0.2
 * interface is present so any guest links; ungranted ones refuse each call the way the
 * interface reports a refusal, and the refusal is reported through `onDenied`.
 */
export function createWasiImports(
  platform: WasiPlatform, caps: Capabilities, onDenied: (e: IsowasmError) => void,
  options: { async: boolean; afterCall: (() => Promise<void> | void)[] },
): Record<string, unknown> {
  const reported = new Set<string>();
  const report = (d: DenialReport): void => {
    const key = `${String(d.capability)}:${d.interface}`;
    if (reported.has(key)) return;
    reported.add(key);
    onDenied(denialError(d));
  };
  const ctx: HostContext = { async: options.async, report, afterCall: (h) => { options.afterCall.push(h); } };
  const stdio = caps.stdio === undefined || caps.stdio === true ? {} : caps.stdio;
  const withheld = stdio === false;
  const out: Record<string, unknown> = {
    ...denyNamespaces(report),
    ...ioNamespaces(),
    ...cliNamespaces({
      env: Object.entries(caps.env ?? {}),
      args: caps.args ?? [],
      cwd: caps.cwd,
      stdout: withheld ? null : stdio.stdout === undefined ? platform.defaultStdout : stdio.stdout ?? (() => {}),
      stderr: withheld ? null : stdio.stderr === undefined ? platform.defaultStderr : stdio.stderr ?? (() => {}),
      stdin: withheld ? null : stdio.stdin ?? null,
      onWithheld: (s) => report({ capability: 'stdio', interface: `wasi:cli/${s}`, detail: `the guest wrote to ${s}`, grant: 'capabilities.stdio' }),
    }),
    ...clockNamespaces({ async: options.async }),
    ...randomNamespaces(),
  };

  const denyAll = (capability: keyof Capabilities, iface: string, grant: string, names: readonly string[]): Record<string, () => never> => {
    const deny = (): never => {
      const d: DenialReport = { capability, interface: iface, detail: 'the guest used it', grant };
      report(d);
      throw denialError(d);
    };
    return Object.fromEntries(names.map((n) => [n, deny]));
  };
  if (caps.clocks === false) {
    out['wasi:clocks/wall-clock'] = denyAll('clocks', 'wasi:clocks/wall-clock', 'capabilities.clocks = true', ['now', 'resolution']);
    out['wasi:clocks/monotonic-clock'] = denyAll('clocks', 'wasi:clocks/monotonic-clock', 'capabilities.clocks = true', ['now', 'resolution', 'subscribeInstant', 'subscribeDuration']);
  }
  if (caps.random === false) {
    out['wasi:random/random'] = denyAll('random', 'wasi:random/random', 'capabilities.random = true', ['getRandomBytes', 'getRandomU64']);
    out['wasi:random/insecure'] = denyAll('random', 'wasi:random/insecure', 'capabilities.random = true', ['getInsecureRandomBytes', 'getInsecureRandomU64']);
    out['wasi:random/insecure-seed'] = denyAll('random', 'wasi:random/insecure-seed', 'capabilities.random = true', ['insecureSeed']);
  }

  if (platform.filesystem) {
    const grants: Record<string, PreopenGrant> = {};
    for (const [guest, g] of Object.entries(caps.fs?.preopens ?? {})) grants[guest] = typeof g === 'string' ? { volume: g } : g;
    // what the platform leaves out links as a filesystem without preopens
    Object.assign(out, filesystemNamespaces([], ctx), platform.filesystem(grants, ctx));
  } else {
    // no grant: an empty preopen list (the guest links, and sees no filesystem)
    const preopens = preopensFromGrant(caps.fs?.preopens, platform.directoryVolume?.bind(platform), platform.name);
    Object.assign(out, filesystemNamespaces(preopens, ctx));
  }

  if (caps.http) Object.assign(out, httpNamespaces(caps.http, ctx, platform.fetch ?? ((r) => fetch(r))));

  if (caps.sockets) {
    if (!platform.sockets) {
      throw new IsowasmError('UNSUPPORTED', `wasi:sockets is available in Node only: the ${platform.name} platform has no sockets, so capabilities.sockets can't be granted here (remove it, or serve the component from Node)`);
    }
    Object.assign(out, socketNamespaces(caps.sockets, ctx, platform.sockets));
  }

  const config = Object.entries(caps.config ?? {});
  out['wasi:config/store'] = {
    get: (key: string) => caps.config?.[key],
    getAll: () => config.map(([k, v]) => [k, v]),
  };
  return out;
}

/**
 * isowasm's WASI host: what the platform entry points register with their adapters
 * (`setWasiPlatform(nodeWasi)`); a platform of your own can use it as its `host`.
 *
 * @example
 * ```ts
 * import { setWasiPlatform, wasiHost } from 'isowasm';
 * setWasiPlatform({ name: 'edge', host: wasiHost, defaultStdout: (b) => console.log(new TextDecoder().decode(b)), defaultStderr: () => {} });
 * ```
 */
export const wasiHost: WasiHost = { createImports: createWasiImports, needsAsync: grantsNeedAsync };
