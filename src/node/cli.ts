/**
 * The `isowasm` command line.
 *
 *   isowasm inspect app.wasm                  imports and exports with their signatures
 *   isowasm call app.wasm 'ns:pkg/iface#fn' [args...]
 *                                             instantiate and call one export (args as JSON; 12n for bigint)
 */
import { basename } from 'node:path';
import { IsowasmError, type ItemDescription } from '../core/index.js';
import { loadComponent } from './load.js';

const USAGE = `usage:
  isowasm inspect <component.wasm>
  isowasm call <component.wasm> <export> [args...]
      <export> is a function name ("greet") or "<interface>#<function>" ("docs:adder/add@0.1.0#add");
      args are JSON values (strings may be bare); write 64-bit integers as 12n`;

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
  return out.join('\n');
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
    const code = e instanceof IsowasmError ? ` [${e.code}]` : '';
    console.error(`isowasm: ${e instanceof Error ? e.message : String(e)}${code}`);
    return 1;
  }
}
