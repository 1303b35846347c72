/**
 * The `isowasm` command line.
 *
 *   isowasm run app.wasm [--dir HOST::GUEST[::ro]] [--env K=V] [--allow-http ORIGIN] [--allow-socket HOST:PORT] -- args
 *                                             run a wasi:cli/run component, like `wasmtime run`
 *   isowasm inspect app.wasm                  imports, exports and the capabilities it would need
 *   isowasm call app.wasm 'ns:pkg/iface#fn' [args...]
 *                                             instantiate and call one export (args as JSON; 12n for bigint)
 */
import { basename } from 'node:path';
import { type Capabilities, ComponentError, ComponentExit, IsowasmError, type ItemDescription, type PreopenGrant } from '../core/index.js';
// the Node entry registers the Node WASI platform
import { capabilityNeeds, loadComponent } from './index.js';
import { processStdin } from './stdio.js';

const USAGE = `usage:
  isowasm run <component.wasm> [options] [-- args...]
      runs a wasi:cli/run component with only what the options grant; exits with its exit code
      --dir HOST::GUEST[::ro]  preopen host directory HOST as GUEST (read-only with ::ro); --dir DIR maps DIR to itself
      --env K=V                set an environment variable (--env K passes the host's value of K)
      --allow-http ORIGIN      allow outgoing HTTP to ORIGIN (https://api.example.com, https://*.example.com)
      --allow-socket HOST:PORT allow TCP/UDP to HOST:PORT (127.0.0.1:5432, db.internal:*)
      --config K=V             a wasi:config/store value
  isowasm inspect <component.wasm>
      prints imports, exports and the capabilities the component would need
  isowasm call <component.wasm> <export> [args...]
      <export> is a function name ("greet") or "<interface>#<function>" ("docs:adder/add@0.1.0#add");
      args are JSON values (strings may be bare); write 64-bit integers as 12n`;

class UsageError extends Error {}

function printItems(items: readonly ItemDescription[], indent: string, out: string[]): void {
  if (items.length === 0) out.push(`${indent}(none)`);
  for (const i of items) {
    if (i.kind === 'instance') {
      out.push(`${indent}interface ${i.name}`);
      printItems(i.members ?? [], `${indent}  `, out);
    } else if (i.kind === 'func') out.push(`${indent}${i.name}: ${i.signature}`);
    else out.push(`${indent}${i.kind} ${i.name}${i.signature ? `: ${i.signature}` : ''}`);
  }
}

async function inspect(file: string): Promise<string> {
  const c = await loadComponent(file);
  const out = [`component ${basename(file)}`, 'imports:'];
  printItems(c.imports, '  ', out);
  out.push('exports:');
  printItems(c.exports, '  ', out);
  out.push('capabilities:');
  const needs = capabilityNeeds(c.imports.map((i) => i.name));
  if (needs.length === 0) out.push('  (none: the component imports nothing a host must grant)');
  for (const n of needs) {
    const what = n.capability === 'imports' ? 'host imports (not WASI)' : n.capability;
    out.push(`  ${what}${n.byDefault ? ' (granted by default)' : ''}: ${n.interfaces.join(', ')}`);
    if (!n.byDefault) out.push(`    grant: ${n.grant}`);
  }
  return out.join('\n');
}

/** Parses `run`'s options into grants; everything after `--` is the guest's arguments. */
export function parseRunArgs(file: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Capabilities {
  const dash = argv.indexOf('--');
  const opts = dash >= 0 ? argv.slice(0, dash) : argv;
  const guestArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  const preopens: Record<string, PreopenGrant> = {};
  const vars: Record<string, string> = {};
  const allow: string[] = [];
  const sockets: string[] = [];
  const config: Record<string, string> = {};
  for (let i = 0; i < opts.length; i++) {
    const flag = opts[i]!;
    const value = (): string => {
      const v = opts[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--dir': {
        const parts = value().split('::');
        const host = parts[0]!;
        const guest = parts[1] ?? host;
        const mode = parts[2];
        if (!host || parts.length > 3 || (mode !== undefined && mode !== 'ro')) throw new UsageError(`--dir takes HOST::GUEST or HOST::GUEST::ro, not ${parts.join('::')}`);
        preopens[guest] = { volume: host, readOnly: mode === 'ro' };
        break;
      }
      case '--env': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq === 0) throw new UsageError(`--env takes K=V or K, not ${v}`);
        if (eq > 0) vars[v.slice(0, eq)] = v.slice(eq + 1);
        else if (env[v] !== undefined) vars[v] = env[v]!;
        break;
      }
      case '--allow-http': allow.push(value()); break;
      case '--allow-socket': sockets.push(value()); break;
      case '--config': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`--config takes K=V, not ${v}`);
        config[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      default: throw new UsageError(`unknown option ${flag} (put the guest's arguments after --)`);
    }
  }
  return {
    args: [file, ...guestArgs], env: vars,
    ...(Object.keys(preopens).length ? { fs: { preopens } } : {}),
    ...(allow.length ? { http: { allow } } : {}),
    ...(sockets.length ? { sockets: { allow: sockets } } : {}),
    ...(Object.keys(config).length ? { config } : {}),
  };
}

/** Runs a command component; resolves to its exit code. */
async function run(file: string, argv: string[]): Promise<number> {
  const capabilities = parseRunArgs(file, argv);
  const c = await loadComponent(file);
  const runExport = c.exports.find((e) => e.kind === 'instance' && /^wasi:cli\/run(@|$)/.test(e.name));
  if (!runExport) throw new IsowasmError('LINK_ERROR', `${file} is not a command component (it exports no wasi:cli/run); use \`isowasm call\` for other exports`);
  const { exports } = await c.instantiate({
    capabilities: { ...capabilities, stdio: { stdin: processStdin() } },
    onCapabilityDenied: (e) => process.stderr.write(`isowasm: ${e.message}\n`),
  });
  try {
    await exports[runExport.name].run();
    return 0;
  } catch (e) {
    if (e instanceof ComponentExit) return e.exitCode;
    if (e instanceof ComponentError) return 1;
    throw e;
  }
}

function parseArg(a: string): unknown {
  if (/^-?\d+n$/.test(a)) return BigInt(a.slice(0, -1));
  try {
    return JSON.parse(a, (_k, v: unknown) => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
  } catch {
    return a;
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : x), 2) ?? 'undefined';
}

async function call(file: string, target: string, args: string[]): Promise<string> {
  const c = await loadComponent(file);
  const { exports } = await c.instantiate();
  const hash = target.lastIndexOf('#');
  const owner = hash >= 0 ? (exports[target.slice(0, hash)] as Record<string, unknown> | undefined) : exports;
  const fname = hash >= 0 ? target.slice(hash + 1) : target;
  const camel = fname.replace(/-([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());
  const fn = owner?.[camel] ?? owner?.[fname];
  if (typeof fn !== 'function') {
    throw new IsowasmError('LINK_ERROR', `the component exports no function "${target}"; see \`isowasm inspect ${file}\``);
  }
  return show(await (fn as (...a: unknown[]) => unknown)(...args.map(parseArg)));
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, file, ...rest] = argv;
  try {
    if (cmd === 'run' && file) return await run(file, rest);
    if (cmd === 'inspect' && file) {
      console.log(await inspect(file));
      return 0;
    }
    if (cmd === 'call' && file && rest[0]) {
      console.log(await call(file, rest[0], rest.slice(1)));
      return 0;
    }
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      console.log(USAGE);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`isowasm: ${e.message}\n${USAGE}`);
      return 2;
    }
    const code = e instanceof IsowasmError ? ` [${e.code}]` : '';
    console.error(`isowasm: ${e instanceof Error ? e.message : String(e)}${code}`);
    return 1;
  }
}
