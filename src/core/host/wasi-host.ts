import { ComponentExit, IsowasmError } from '../errors.js';
import type { Capabilities, DenialReport, InputSource, OutputSink, PreopenGrant } from './capabilities.js';

/**
 * What a platform supplies to serve WASI: preview2-shim's namespaces for one instance, and
 * streams of the shim's own classes (host resources must be instances of the class the
 * `wasi:io/streams` import declares, so stdio can't use streams of another implementation).
 */
export interface WasiPlatform {
  /** `'node'`, `'browser'`, ... for messages */
  readonly name: string;
  /**
   * preview2-shim-shaped namespaces keyed by unversioned interface name
   * (`'wasi:io/streams'`, `'wasi:filesystem/preopens'`, ...), isolated for one instance.
   */
  namespaces(options: { preopens: Readonly<Record<string, PreopenGrant>>; report: (d: DenialReport) => void }): Record<string, unknown>;
  /** An output stream of the platform's `wasi:io/streams` class that hands its bytes to `sink`. */
  outputStream(sink: OutputSink): object;
  /** An input stream of the platform's class that reads from `source` (null: always at its end). */
  inputStream(source: InputSource | null): object;
  readonly defaultStdout: OutputSink;
  readonly defaultStderr: OutputSink;
}

let defaultPlatform: WasiPlatform | null = null;

/**
 * Registers the platform that serves WASI imports by default. The `isowasm` entry points for Node
 * and browsers register theirs on import; code that uses `isowasm/core` alone can register one.
 */
export function setWasiPlatform(platform: WasiPlatform | null): void {
  defaultPlatform = platform;
}

export function wasiPlatform(): WasiPlatform | null {
  return defaultPlatform;
}

/** The refusal a denied `wasi:cli/*` interface reports to the guest: a closed stream. */
const closedStream = (): never => {
  throw { tag: 'closed' };
};

function grantText(d: DenialReport): string {
  return `${d.interface}: ${d.detail} (the ${String(d.capability)} capability was not granted; grant it with ${d.grant})`;
}

/** Makes the error a denial is reported with. */
export function denialError(d: DenialReport): IsowasmError {
  return new IsowasmError('CAPABILITY_DENIED', grantText(d), { details: d });
}

/**
 * Builds the WASI imports of one instance from its grants: granted interfaces come from the
 * platform (preview2-shim), the others fail each call as that interface reports a refusal.
 */
export function createWasiImports(platform: WasiPlatform, caps: Capabilities, onDenied: (e: IsowasmError) => void): Record<string, unknown> {
  const reported = new Set<string>();
  const report = (d: DenialReport): void => {
    const key = `${String(d.capability)}:${d.interface}`;
    if (reported.has(key)) return;
    reported.add(key);
    onDenied(denialError(d));
  };
  const preopens: Record<string, PreopenGrant> = {};
  for (const [guest, g] of Object.entries(caps.fs?.preopens ?? {})) preopens[guest] = typeof g === 'string' ? { volume: g } : g;
  const ns = platform.namespaces({ preopens, report });
  const out: Record<string, unknown> = { ...ns };

  // wasi:cli: arguments, environment and cwd are exactly what was granted, nothing of the host's
  const env = Object.entries(caps.env ?? {});
  const args = [...(caps.args ?? [])];
  const cwd = caps.cwd;
  out['wasi:cli/environment'] = {
    getEnvironment: () => env.map(([k, v]) => [k, v]),
    getArguments: () => [...args],
    initialCwd: () => cwd,
  };
  out['wasi:cli/exit'] = {
    exit(status: { tag: string }) {
      throw new ComponentExit(status?.tag === 'err' ? 1 : 0);
    },
    exitWithCode(code: number) {
      throw new ComponentExit(code);
    },
  };

  const stdio = caps.stdio === undefined || caps.stdio === true ? {} : caps.stdio;
  const sink = (name: 'stdout' | 'stderr', def: OutputSink): object => {
    if (stdio === false) {
      return platform.outputStream(() => {
        report({ capability: 'stdio', interface: `wasi:cli/${name}`, detail: `the guest wrote to ${name}`, grant: `capabilities.stdio` });
        closedStream();
      });
    }
    const chosen = stdio[name];
    return platform.outputStream(chosen === undefined ? def : chosen === null ? () => {} : chosen);
  };
  const stdout = sink('stdout', platform.defaultStdout);
  const stderr = sink('stderr', platform.defaultStderr);
  const stdin = platform.inputStream(stdio === false ? null : stdio.stdin ?? null);
  out['wasi:cli/stdout'] = { getStdout: () => stdout };
  out['wasi:cli/stderr'] = { getStderr: () => stderr };
  out['wasi:cli/stdin'] = { getStdin: () => stdin };
  // not a terminal: the guest's libc then buffers and never asks for terminal features
  class TerminalInput {}
  class TerminalOutput {}
  out['wasi:cli/terminal-input'] = { TerminalInput };
  out['wasi:cli/terminal-output'] = { TerminalOutput };
  out['wasi:cli/terminal-stdin'] = { getTerminalStdin: () => undefined };
  out['wasi:cli/terminal-stdout'] = { getTerminalStdout: () => undefined };
  out['wasi:cli/terminal-stderr'] = { getTerminalStderr: () => undefined };

  if (caps.clocks === false) {
    const deny = (what: string) => (): never => {
      const d: DenialReport = { capability: 'clocks', interface: what, detail: 'the guest read a clock', grant: 'capabilities.clocks = true' };
      report(d);
      throw denialError(d);
    };
    out['wasi:clocks/wall-clock'] = { now: deny('wasi:clocks/wall-clock'), resolution: deny('wasi:clocks/wall-clock') };
    out['wasi:clocks/monotonic-clock'] = {
      now: deny('wasi:clocks/monotonic-clock'), resolution: deny('wasi:clocks/monotonic-clock'),
      subscribeInstant: deny('wasi:clocks/monotonic-clock'), subscribeDuration: deny('wasi:clocks/monotonic-clock'),
    };
  }
  if (caps.random === false) {
    const deny = (what: string) => (): never => {
      const d: DenialReport = { capability: 'random', interface: what, detail: 'the guest asked for random data', grant: 'capabilities.random = true' };
      report(d);
      throw denialError(d);
    };
    out['wasi:random/random'] = { getRandomBytes: deny('wasi:random/random'), getRandomU64: deny('wasi:random/random') };
    out['wasi:random/insecure'] = { getInsecureRandomBytes: deny('wasi:random/insecure'), getInsecureRandomU64: deny('wasi:random/insecure') };
    out['wasi:random/insecure-seed'] = { insecureSeed: deny('wasi:random/insecure-seed') };
  }

  const config = Object.entries(caps.config ?? {});
  out['wasi:config/store'] = {
    get: (key: string) => caps.config?.[key],
    getAll: () => config.map(([k, v]) => [k, v]),
  };
  return out;
}
