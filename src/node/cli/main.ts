/**
 * The `isowasm` command line (bin/isowasm.js runs `main`; rollup bundles this file to dist/cli.js).
 *
 *   isowasm run [options] app.wasm [args...]            run a wasi:cli/run component, like `wasmtime run`
 *   isowasm call [options] app.wasm <function> [args...] call one export
 *   isowasm inspect app.wasm                             imports, exports, capabilities
 *   isowasm types [-o dir] app.wasm                      a .d.ts for its exports and imports
 *   isowasm serve [options] app.wasm                     serve a wasi:http component, like `wasmtime serve`
 *   isowasm bundle --target workerd [--out DIR] app.wasm a workerd / Cloudflare Workers bundle
 *   isowasm help [command] | --help | version | --version
 *
 * Exit codes: the guest's when it gives one, 1 when something fails, 2 for a bad command line.
 */
import { bundle } from './bundle.js';
import { call } from './call.js';
import { type CommandLine, type CommandName, UsageError, parseCommandLine, usageLine } from './command-line.js';
import { inspect } from './inspect.js';
import { serve } from './serve.js';
import { types } from './types.js';
import { errorMessage } from './messages.js';
import { run } from './run.js';
import { COMMANDS, USAGE, commandHelp } from './usage.js';
import { version } from './version.js';

function isCommand(s: string | undefined): s is CommandName {
  return (COMMANDS as readonly (string | undefined)[]).includes(s);
}

function unknownCommand(word: string): UsageError {
  if (word.startsWith('-')) {
    const hint = word === '-v' ? ' (isowasm --version or -V prints the version)' : '';
    return new UsageError(`unknown option ${word}${hint}; a command comes first: isowasm <command> [options] <component.wasm>`);
  }
  return new UsageError(`unknown command ${word}; the commands are ${COMMANDS.join(', ')}, help and version`);
}

function help(args: readonly string[]): string {
  const [topic, ...extra] = args;
  if (topic === undefined) return USAGE;
  if (!isCommand(topic)) throw unknownCommand(topic);
  if (extra.length > 0) throw new UsageError(`isowasm help takes one command; ${extra.join(' ')} ${extra.length === 1 ? 'is' : 'are'} extra`);
  return commandHelp(topic);
}

/** Runs one command; `parsed.line` keeps its command line for the error messages of `main`. */
async function dispatch(argv: readonly string[], parsed: { line: CommandLine | null }): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write(`${help(rest)}\n`);
    return 0;
  }
  if (first === 'version' || first === '--version' || first === '-V') {
    if (rest.length > 0) throw new UsageError(`isowasm ${first} takes no arguments; ${rest.join(' ')} ${rest.length === 1 ? 'is' : 'are'} extra`);
    process.stdout.write(`isowasm ${version()}\n`);
    return 0;
  }
  if (!isCommand(first)) throw unknownCommand(first);
  const line = parseCommandLine(first, rest);
  if ('help' in line) {
    process.stdout.write(`${commandHelp(line.help)}\n`);
    return 0;
  }
  parsed.line = line;
  switch (line.command) {
    case 'run': return run(line);
    case 'call': return call(line);
    case 'inspect':
      process.stdout.write(`${await inspect(line)}\n`);
      return 0;
    case 'serve': return serve(line);
    case 'bundle':
      process.stdout.write(`${await bundle(line)}\n`);
      return 0;
    case 'types':
      process.stdout.write(`${await types(line)}\n`);
      return 0;
  }
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed: { line: CommandLine | null } = { line: null };
  try {
    return await dispatch(argv, parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      const how = e.command ? `usage: ${usageLine(e.command)}  (isowasm help ${e.command})` : 'see isowasm help';
      process.stderr.write(`isowasm: ${e.message}\n${how}\n`);
      return 2;
    }
    const line = parsed.line;
    process.stderr.write(`isowasm: ${errorMessage(e, line?.command ?? 'run', line?.options.get('--imports') ?? [])}\n`);
    return 1;
  }
}
