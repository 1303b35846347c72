/**
 * The grammar of `isowasm <command>`, wasmtime's: options first (`--opt value` or `--opt=value`),
 * then the component file; everything after the file belongs to the component. For
 * compatibility, `run` also takes options after the file when a `--` ends them
 * (`isowasm run app.wasm --dir . -- args`), but only where that is unambiguous.
 */

export type CommandName = 'run' | 'call' | 'inspect' | 'types' | 'serve' | 'bundle';

/** A mistake in the command line: reported with the command's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command: CommandName | null = null) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** with its dashes: `--dir` */
  readonly name: string;
  /** what its value looks like in help (`HOST::GUEST[::ro]`); null: a switch, which takes none */
  readonly value: string | null;
  readonly help: string;
}

/** The grants `run` and `call` share: nothing is reachable without one (deny by default). */
export const GRANT_OPTIONS: readonly OptionSpec[] = [
  { name: '--dir', value: 'HOST::GUEST[::ro]', help: 'preopen host directory HOST as GUEST (read-only with ::ro); --dir DIR maps DIR to itself' },
  { name: '--env', value: 'K=V', help: 'set an environment variable (--env K passes the host\'s value of K); no other variable reaches the guest' },
  { name: '--allow-http', value: 'ORIGIN', help: 'allow outgoing HTTP to ORIGIN (https://api.example.com, https://*.example.com)' },
  { name: '--allow-socket', value: 'HOST:PORT', help: 'allow TCP/UDP to HOST:PORT (127.0.0.1:5432, db.internal:*)' },
  { name: '--config', value: 'K=V', help: 'a wasi:config/store value' },
  { name: '--kv', value: 'PATH | NAME=PATH', help: 'wasi:keyvalue buckets in the SQLite file PATH (made if missing): every bucket name, or the bucket NAME only ("*=PATH" for a PATH holding =)' },
];

export const IMPORTS_OPTION: OptionSpec = {
  name: '--imports', value: 'MODULE.js',
  help: 'host imports for the interfaces that are not WASI: a JS module (a path) whose default export (or export `imports`) is the import object, in jco\'s conventions',
};

/** The limits of each instance, for every command that makes one. */
export const MEMORY_OPTION: OptionSpec = { name: '--max-memory', value: 'SIZE', help: 'the largest each guest memory may grow to (64MB, 1GB); memory.grow past it fails inside the guest' };

/** Stopping a guest in the thread it runs in (its core modules are metered when either is given). */
export const FUEL_OPTION: OptionSpec = { name: '--fuel', value: 'N', help: 'the fuel the instance may spend (one unit per function entry and loop iteration); past it the guest is stopped' };
export const CALL_TIMEOUT_OPTION: OptionSpec = { name: '--timeout', value: 'DURATION', help: 'stop the guest if a call runs longer (10s, 500ms), even one looping in its own code' };

export const JSON_OPTION: OptionSpec = { name: '--json', value: null, help: 'print the result as one line of JSON (null when there is none)' };

export const COMMAND_OPTIONS: Readonly<Record<CommandName, readonly OptionSpec[]>> = {
  run: [...GRANT_OPTIONS, IMPORTS_OPTION, MEMORY_OPTION, FUEL_OPTION, CALL_TIMEOUT_OPTION],
  call: [JSON_OPTION, ...GRANT_OPTIONS, IMPORTS_OPTION, MEMORY_OPTION, FUEL_OPTION, CALL_TIMEOUT_OPTION],
  inspect: [],
  serve: [
    { name: '--addr', value: 'HOST:PORT', help: 'where to listen (default 127.0.0.1:8080; 0.0.0.0:8080 listens beyond this machine)' },
    { name: '--port', value: 'N', help: 'the port on 127.0.0.1 (0 picks a free one)' },
    ...GRANT_OPTIONS,
    IMPORTS_OPTION,
    { name: '--instances', value: 'reset|fresh|reuse=N,max=N,warm=N,idle=30s', help: 'instance policy: each request gets a pristine instance, the last one reset (reset, the default) or a new one (fresh), or N requests share one (reuse=N); instances at most, spares kept ready (default 1), idle time' },
    { name: '--max-body', value: 'SIZE', help: 'the longest request body (10MB, 512KB); longer ones get 413' },
    { name: '--max-response-body', value: 'SIZE', help: 'the longest response body a guest may send; past it the response is cut and the instance dropped' },
    { name: '--timeout', value: 'DURATION', help: 'the deadline of each request (10s, 500ms); past it 504 and the instance is ended, whether the guest waits on the host or loops in its own code' },
    MEMORY_OPTION,
    FUEL_OPTION,
    { name: '--access-log', value: null, help: 'print one line per request to stdout: client, request line, status, bytes, time' },
  ],
  types: [{ name: '-o', value: 'DIR', help: 'write the declarations into DIR (default: beside the component)' }],
  bundle: [
    { name: '--target', value: 'workerd', help: 'the runtime to bundle for (workerd: Cloudflare Workers and workerd serve)' },
    { name: '--out', value: 'DIR', help: 'where to write the bundle (default: <component>.workerd in the current directory): a new or empty directory, or a bundle written before, which is replaced' },
    { name: '--addr', value: 'HOST:PORT', help: 'where config.capnp listens (default 127.0.0.1:8080)' },
    ...GRANT_OPTIONS.filter((o) => o.name === '--env' || o.name === '--allow-http' || o.name === '--config').map((o) => o.name === '--env'
      ? { ...o, help: 'set an environment variable (--env K reads K from the worker\'s env bindings, vars or secrets, at its first request)' }
      : o),
    { name: '--max-body', value: 'SIZE', help: 'the longest request body (10MB, 512KB); longer ones get 413' },
    { ...FUEL_OPTION, help: 'the fuel each request may spend (its instance\'s limits.fuel): the core modules are metered in the bundle, and a guest looping in its own code is stopped (workerd freezes its clocks during a request, so --fuel, not --timeout, is what stops a guest there)' },
    { ...CALL_TIMEOUT_OPTION, help: 'each request\'s deadline (the modules are metered in the bundle); workerd freezes its clocks while a guest runs, so pair it with --fuel' },
    MEMORY_OPTION,
    // serve's other grants, accepted only to say why workerd can't have them
    { name: '--dir', value: 'HOST::GUEST', help: 'refused: workerd has no host directories to preopen' },
    { name: '--allow-socket', value: 'HOST:PORT', help: 'refused: workerd offers a guest no TCP/UDP sockets' },
    { name: '--imports', value: 'MODULE.js', help: 'refused: add host imports to the generated worker.js by hand' },
  ],
};

/** A parsed command line: the options (values by name, in order), the file, and what follows it. */
export interface CommandLine {
  readonly command: CommandName;
  readonly options: ReadonlyMap<string, readonly string[]>;
  readonly file: string;
  /** everything after the file (for `run`, after the `--` that ends options given after it) */
  readonly rest: readonly string[];
}

/** A parse that ended in a request for help instead of a command line. */
export interface HelpRequest {
  readonly help: CommandName;
}

interface Token {
  readonly spec: OptionSpec;
  readonly value: string;
  /** index of the next token */
  readonly next: number;
}

function optionError(command: CommandName, flag: string): UsageError {
  const known = COMMAND_OPTIONS[command].map((o) => o.name).join(', ');
  return new UsageError(`unknown option ${flag} for isowasm ${command}${known ? ` (its options: ${known})` : ' (it takes none)'}`, command);
}

/**
 * Reads the option at `argv[i]`, or returns null if `argv[i]` is not one of the command's
 * options (when `strict`, an unknown `-x` is a UsageError instead).
 */
function readOption(command: CommandName, argv: readonly string[], i: number, end: number, strict: boolean): Token | null {
  const a = argv[i]!;
  const eq = a.indexOf('=');
  const flag = a.startsWith('--') && eq > 2 ? a.slice(0, eq) : a;
  const spec = COMMAND_OPTIONS[command].find((o) => o.name === flag);
  if (!spec) {
    if (strict) throw optionError(command, flag);
    return null;
  }
  if (spec.value === null) {
    if (flag !== a) {
      if (strict) throw new UsageError(`${flag} takes no value (write ${flag}, not ${a})`, command);
      return null;
    }
    return { spec, value: '', next: i + 1 };
  }
  if (flag !== a) return { spec, value: a.slice(eq + 1), next: i + 1 };
  if (i + 1 >= end) {
    if (strict) throw new UsageError(`${flag} needs a value: ${flag} ${spec.value} (or ${flag}=${spec.value})`, command);
    return null;
  }
  return { spec, value: argv[i + 1]!, next: i + 2 };
}

function add(options: Map<string, string[]>, t: Token): void {
  const list = options.get(t.spec.name) ?? [];
  list.push(t.value);
  options.set(t.spec.name, list);
}

/**
 * `run`'s compatibility form: options after the file, ended by `--`. Taken only when every token
 * between the file and the first `--` is one of `run`'s options with its value; otherwise those
 * tokens (and the `--`) are the guest's, as wasmtime has it.
 */
function optionsAfterFile(rest: readonly string[], options: Map<string, string[]>): readonly string[] {
  const dash = rest.indexOf('--');
  if (dash < 0) return rest;
  const found: Token[] = [];
  for (let i = 0; i < dash;) {
    const t = readOption('run', rest, i, dash, false);
    if (!t) return rest;
    found.push(t);
    i = t.next;
  }
  for (const t of found) add(options, t);
  return rest.slice(dash + 1);
}

const SHAPES: Readonly<Record<CommandName, string>> = {
  run: 'isowasm run [options] <component.wasm> [args...]',
  call: 'isowasm call [options] <component.wasm> <function> [args...]',
  inspect: 'isowasm inspect <component.wasm>',
  types: 'isowasm types [-o DIR] <component.wasm>',
  serve: 'isowasm serve [options] <component.wasm>',
  bundle: 'isowasm bundle --target workerd [--out DIR] [options] <component.wasm>',
};

/** The one-line usage of a command. */
export function usageLine(command: CommandName): string {
  return SHAPES[command];
}

/** Parses what follows the command's name. */
export function parseCommandLine(command: CommandName, argv: readonly string[]): CommandLine | HelpRequest {
  const options = new Map<string, string[]>();
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-h' || a === '--help') return { help: command };
    if (!a.startsWith('-') || a === '-') break;
    const t = readOption(command, argv, i, argv.length, true)!;
    add(options, t);
    i = t.next;
  }
  const file = argv[i];
  if (file === undefined) throw new UsageError(`isowasm ${command} needs a component file: ${SHAPES[command]}`, command);
  let rest = argv.slice(i + 1);
  if (command === 'run') rest = [...optionsAfterFile(rest, options)];
  else if (command !== 'call') {
    // commands whose component takes no arguments accept their options after the file too
    // (`isowasm serve app.wasm --port 8080`): nothing there can belong to the guest
    const left: string[] = [];
    for (let j = 0; j < rest.length;) {
      const a = rest[j]!;
      if (a === '-h' || a === '--help') return { help: command };
      if (!a.startsWith('-') || a === '-' || a === '--') {
        left.push(a);
        j++;
        continue;
      }
      const t = readOption(command, rest, j, rest.length, true)!;
      add(options, t);
      j = t.next;
    }
    rest = left;
  }
  return { command, options, file, rest };
}

/** Whether `token` is one of `command`'s options (`--dir`, `--dir=x`): for hints about their place. */
export function isOptionOf(command: CommandName, token: string): boolean {
  const flag = token.startsWith('--') && token.indexOf('=') > 2 ? token.slice(0, token.indexOf('=')) : token;
  return COMMAND_OPTIONS[command].some((o) => o.name === flag);
}
