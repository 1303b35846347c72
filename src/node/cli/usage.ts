/** The help texts: `isowasm help`, `isowasm help <command>`, `isowasm <command> --help`. */
import { COMMAND_OPTIONS, type CommandName, type OptionSpec, usageLine } from './command-line.js';

export const COMMANDS: readonly CommandName[] = ['run', 'serve', 'call', 'inspect', 'types', 'bundle'];

export const USAGE = `usage: isowasm <command> [options] <component.wasm> [args...]

commands:
  run       run a command component (wasi:cli/run), like \`wasmtime run\`
  serve     serve a wasi:http component over HTTP, like \`wasmtime serve\`
  bundle    write a wasi:http component as a workerd / Cloudflare Workers bundle
  call      call one exported function of a component
  inspect   print a component's imports, exports and the capabilities it would need
  types     write a .d.ts for a component's exports and the imports it expects
  help      print this help, or a command's: isowasm help run
  version   print isowasm's version (also --version, -V)

Options go before the component file; for run and call, everything after the file belongs to
the component (serve, inspect, types and bundle take their options after the file too).
A component gets nothing the options do not grant.`;

const COLUMNS = 100;

/** `text` in lines of at most COLUMNS, the first after `head`, the others indented as far. */
function wrap(head: string, text: string): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    if (line.length > head.length && line.length + 1 + word.length > COLUMNS) {
      lines.push(line);
      line = ' '.repeat(head.length);
    }
    line += line.length === head.length ? word : ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function optionLines(options: readonly OptionSpec[]): string {
  const rows: [string, string][] = [...options.map((o): [string, string] => [o.value === null ? o.name : `${o.name} ${o.value}`, o.help]), ['-h, --help', 'this help']];
  const width = Math.max(...rows.map(([h]) => h.length)) + 2;
  return rows.map(([h, help]) => wrap(`  ${h.padEnd(width)}`, help)).join('\n');
}

const ABOUT: Readonly<Record<CommandName, string>> = {
  run: `Runs a command component (one that exports wasi:cli/run), like \`wasmtime run\`, with only what
the options grant. Everything after the component file is the component's arguments (the file
name is its argument 0). It gets the process's stdin, stdout and stderr, and isowasm exits with
its exit code.

Exit codes: the component's own, where it gives one; 1 when it fails (its run returns an error or
it traps) or isowasm can't run it; 2 for a mistake in the command line. A C program built with
wasi-libc's preview1 target exits through the WASI preview1 adapter, whose proc_exit passes on only
success or failure (wasi:cli/exit#exit takes a result), so exit(3) arrives as 1; a component that
calls wasi:cli/exit#exit-with-code (unstable in WASI 0.2) passes its code through.`,
  call: `Instantiates the component with only what the options grant, calls one exported function
and prints its result.

  <function>  "name" (a world-level function, or the only exported function of that name),
              "<interface>#<name>" (docs:adder/add@0.1.0#add; the @version may be left out),
              or a resource's static function "<interface>#<resource>.<name>" (counter.make)
  args        one per parameter, as JSON: 64-bit integers as plain digits (or 12n), an
              option<T> that is none as null, NaN and inf for floats; a string parameter takes
              the text as it is (hello, 42), as JSON ('"--x"') if it starts with --

The result prints as plain text: a string as it is, a number as its digits, nothing when the
function has no result, anything else as JSON. With --json it prints as one line of JSON (null
when there is no result; 64-bit integers as plain digits). A result<T, E> that is an error prints
on stderr (as JSON) and isowasm exits with 1; exit codes are otherwise as for run.`,
  inspect: `Prints the component's imports, exports and the capabilities it would need, with the option
that grants each. It instantiates nothing.`,
  serve: `Serves a wasi:http/incoming-handler (WASI 0.2) or wasi:http/handler@0.3.0 component over HTTP:
a fresh instance per request (unless --instances says otherwise), with only what the options grant. It prints the URL it listens on, and
SIGINT or SIGTERM shut it down gracefully: requests in flight finish, new ones get 503.`,
  bundle: `Writes DIR/ for workerd and Cloudflare Workers, which refuse to compile Wasm from bytes:
the component's core modules as core-<key>.wasm (imported as compiled modules), the component
without them (component.bin), a copy of isowasm's browser build (isowasm/), a worker.js that
answers fetch through createFetchHandler with the grants the options give, a config.capnp
(npx workerd serve DIR/config.capnp) and a wrangler.jsonc (npx wrangler deploy -c
DIR/wrangler.jsonc). Nothing is resolved from npm at deploy time. Deno and Bun need no bundle.`,
  types: `Writes <component.wasm>.d.ts (beside the component, or in DIR with -o) and prints its path: an
Exports and an Imports interface in isowasm's JS conventions, for
loadComponent<Exports, Imports>(...), which then types instance.exports and the imports option:
import type { Exports } from "./app.wasm.js". It only parses the component.`,
};

/** `isowasm help <command>`. */
export function commandHelp(command: CommandName): string {
  const options = COMMAND_OPTIONS[command];
  const lines = [`usage: ${usageLine(command)}`, '', ABOUT[command], '', 'options:', optionLines(options)];
  if (options.some((o) => o.value !== null)) lines.push('', 'Every option also takes the form --option=value.');
  if (command === 'run') {
    lines.push(
      'For compatibility, options may also follow the file when a -- ends them',
      '(isowasm run app.wasm --dir ./data -- arg1): the -- then marks where the arguments begin.',
    );
  }
  return lines.join('\n');
}
