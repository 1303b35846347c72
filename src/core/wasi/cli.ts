/** `wasi:cli`: stdio streams from sinks and sources, environment, exit and terminals. */
import { ComponentExit } from '../errors.js';
import { InputStream, OutputStream } from './io.js';
import type { OutputSink } from '../host/capabilities.js';
import type { InputSource } from '../host/streams.js';

export interface CliOptions {
  readonly env: readonly (readonly [string, string])[];
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** null: the stream is closed (writes fail as a closed stream) */
  readonly stdout: OutputSink | null;
  readonly stderr: OutputSink | null;
  /** the guest's stdin, one source for both WASI versions (what one reads the other doesn't) */
  readonly stdin: InputSource;
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

/** `wasi:cli/exit`'s functions (the same in 0.2 and 0.3): an exit is a `ComponentExit` thrown through the guest. */
export const exitFunctions = {
  exit(status: { tag: string }): never {
    throw new ComponentExit(status?.tag === 'err' ? 1 : 0);
  },
  exitWithCode(code: number): never {
    throw new ComponentExit(code);
  },
};

export function cliNamespaces(o: CliOptions): Record<string, unknown> {
  const stdout = sinkStream(o.stdout, o.onWithheld && (() => o.onWithheld!('stdout')));
  const stderr = sinkStream(o.stderr, o.onWithheld && (() => o.onWithheld!('stderr')));
  const stdin = new InputStream(o.stdin);
  return {
    'wasi:cli/environment': {
      getEnvironment: () => o.env.map(([k, v]) => [k, v]),
      getArguments: () => [...o.args],
      initialCwd: () => o.cwd,
    },
    'wasi:cli/exit': exitFunctions,
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
