/** `wasi:cli`: stdio streams from sinks and sources, environment, exit and terminals. */
import { ComponentExit } from '../errors.js';
import { bytesSource, InputStream, OutputStream } from './io.js';
import type { InputSource as GrantedInput, OutputSink } from '../host/capabilities.js';

export interface CliOptions {
  readonly env: readonly (readonly [string, string])[];
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** null: the stream is closed (writes fail as a closed stream) */
  readonly stdout: OutputSink | null;
  readonly stderr: OutputSink | null;
  readonly stdin: GrantedInput | null;
  /** called when the guest writes to a stream that was withheld */
  readonly onWithheld?: (stream: 'stdout' | 'stderr') => void;
}

function sinkStream(sink: OutputSink | null, onWithheld: (() => void) | undefined): OutputStream {
  if (!sink) {
    return new OutputStream({
      write: () => {
        onWithheld?.();
        throw { tag: 'closed' };
      },
    });
  }
  // the guest may reuse its buffer: hand the sink a copy
  return new OutputStream({ write: (b) => sink(b.slice()) });
}

class TerminalInput {}
class TerminalOutput {}

export function cliNamespaces(o: CliOptions): Record<string, unknown> {
  const stdout = sinkStream(o.stdout, o.onWithheld && (() => o.onWithheld!('stdout')));
  const stderr = sinkStream(o.stderr, o.onWithheld && (() => o.onWithheld!('stderr')));
  const stdin = new InputStream(bytesSource(o.stdin ?? null));
  return {
    'wasi:cli/environment': {
      getEnvironment: () => o.env.map(([k, v]) => [k, v]),
      getArguments: () => [...o.args],
      initialCwd: () => o.cwd,
    },
    'wasi:cli/exit': {
      exit(status: { tag: string }) {
        throw new ComponentExit(status?.tag === 'err' ? 1 : 0);
      },
      exitWithCode(code: number) {
        throw new ComponentExit(code);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    // not a terminal: the guest's libc then never asks for terminal features
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
  };
}
