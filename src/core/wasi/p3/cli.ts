/**
 * `wasi:cli@0.3.0`: environment, exit, and stdio as streams, served from the same grants as the
 * 0.2 room: what the guest writes to stdout and stderr goes to the same sinks, stdin is read from
 * the same source, a withheld stream refuses the same way (reported once, the guest sees `pipe`).
 */
import type { InputSource } from '../../host/streams.js';
import { type CliOptions, exitFunctions } from '../cli.js';
import { drain, refuse, type ResultValue, sourceStream } from './streams.js';

/** `wasi:cli/types@0.3.0#error-code`. */
export type CliErrorCode = 'io' | 'illegal-byte-sequence' | 'pipe';

/** Most bytes one pull of stdin reads (the guest reads again for more). */
const STDIN_CHUNK = 64 * 1024;

class TerminalInput {}
class TerminalOutput {}

/** `write-via-stream` of stdout or stderr: the guest's stream into `sink`, the future saying how it ended. */
function writer(sink: CliOptions['stdout'], onWithheld: (() => void) | undefined) {
  return (data: ReadableStream<Uint8Array>): Promise<ResultValue<CliErrorCode>> => {
    if (!sink) {
      onWithheld?.();
      return refuse(data, 'pipe');
    }
    // a sink that throws is a failed write; its message stays on the host's side
    return drain(data, (chunk) => sink(chunk), (): CliErrorCode => 'io');
  };
}

/** `read-via-stream` of stdin: a stream over the shared source, ending where it ends. */
function reader(source: InputSource) {
  return (): [ReadableStream<Uint8Array>, Promise<ResultValue<CliErrorCode>>] => sourceStream(
    async () => {
      const chunk = source.read(STDIN_CHUNK);
      if (chunk !== null && chunk.length === 0 && source.wait) await source.wait();
      return chunk;
    },
    (): CliErrorCode => 'io',
    (chunk) => chunk.length === 0,
  );
}

/**
 * The `wasi:cli@0.3.0` namespaces of one instance.
 *
 * @example
 * ```ts
 * const ns = cliNamespacesP3({ env: [], args: ['app'], cwd: undefined, stdout: (b) => out.push(b), stderr: null, stdin: bytesSource(null) });
 * const done = ns['wasi:cli/stdout@0.3.0'].writeViaStream(new Blob(['hi\n']).stream()); // resolves { tag: 'ok' }
 * ```
 */
export function cliNamespacesP3(o: CliOptions): {
  'wasi:cli/environment@0.3.0': { getEnvironment(): [string, string][]; getArguments(): string[]; getInitialCwd(): string | undefined };
  'wasi:cli/exit@0.3.0': typeof exitFunctions;
  'wasi:cli/types@0.3.0': Record<string, never>;
  'wasi:cli/stdin@0.3.0': { readViaStream(): [ReadableStream<Uint8Array>, Promise<ResultValue<CliErrorCode>>] };
  'wasi:cli/stdout@0.3.0': { writeViaStream(data: ReadableStream<Uint8Array>): Promise<ResultValue<CliErrorCode>> };
  'wasi:cli/stderr@0.3.0': { writeViaStream(data: ReadableStream<Uint8Array>): Promise<ResultValue<CliErrorCode>> };
  'wasi:cli/terminal-input@0.3.0': { TerminalInput: typeof TerminalInput };
  'wasi:cli/terminal-output@0.3.0': { TerminalOutput: typeof TerminalOutput };
  'wasi:cli/terminal-stdin@0.3.0': { getTerminalStdin(): undefined };
  'wasi:cli/terminal-stdout@0.3.0': { getTerminalStdout(): undefined };
  'wasi:cli/terminal-stderr@0.3.0': { getTerminalStderr(): undefined };
} {
  return {
    'wasi:cli/environment@0.3.0': {
      getEnvironment: () => o.env.map(([k, v]): [string, string] => [k, v]),
      getArguments: () => [...o.args],
      getInitialCwd: () => o.cwd,
    },
    'wasi:cli/exit@0.3.0': exitFunctions,
    'wasi:cli/types@0.3.0': {},
    'wasi:cli/stdin@0.3.0': { readViaStream: reader(o.stdin) },
    'wasi:cli/stdout@0.3.0': { writeViaStream: writer(o.stdout, o.onWithheld && (() => o.onWithheld!('stdout'))) },
    'wasi:cli/stderr@0.3.0': { writeViaStream: writer(o.stderr, o.onWithheld && (() => o.onWithheld!('stderr'))) },
    // not a terminal, as in the 0.2 room
    'wasi:cli/terminal-input@0.3.0': { TerminalInput },
    'wasi:cli/terminal-output@0.3.0': { TerminalOutput },
    'wasi:cli/terminal-stdin@0.3.0': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout@0.3.0': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr@0.3.0': { getTerminalStderr: () => undefined },
  };
}
