/** `isowasm call`: instantiate a component with what the options grant and call one exported function. */
import { ComponentError, type ItemDescription } from '../../core/index.js';
import { camelCase, pascalCase } from '../../core/abi/types.js';
import { exitCodeOf } from '../../core/errors.js';
import { parseFuncName, splitVersion } from '../../core/link/names.js';
import { loadComponent } from '../index.js';
import { type CommandLine, UsageError, isOptionOf } from './command-line.js';
import { grantsFrom } from './grants.js';
import { instanceLimits } from './limits.js';
import { loadImports } from './imports.js';
import { reportDenial } from './messages.js';
import { type Signature, parseSignature } from './signature.js';
import { formatResult, parseArgument, toJson } from './values.js';

/** A function `call` can call: where it is in the exports, and its type. */
interface Target {
  /** as `inspect` shows it: `docs:adder/add@0.1.0#add`, `[static]counter.make` */
  readonly display: string;
  readonly signature: Signature;
  /** the interface it is in (its full name), or null for a world-level function */
  readonly iface: string | null;
  /** its name in the binary: `add`, `[static]counter.make` */
  readonly name: string;
}

/** `counter.make`, `Counter.make`, `[static]counter.make` and `roundtripU64` / `roundtrip-u64` compare equal. */
function sameFunction(witName: string, asked: string): boolean {
  const w = parseFuncName(witName);
  const a = asked.startsWith('[static]') ? asked.slice(8) : asked;
  if (w.kind === 'plain') return camelCase(witName) === camelCase(a);
  const dot = a.indexOf('.');
  if (dot <= 0) return false;
  return pascalCase(w.resource) === pascalCase(a.slice(0, dot)) && camelCase(w.member) === camelCase(a.slice(dot + 1));
}

function describeTarget(iface: string | null, f: ItemDescription): Target {
  const signature = f.signature ? parseSignature(f.signature) : null;
  if (!signature) throw new Error(`isowasm can't read the type of ${f.name} (${f.signature ?? 'none'})`);
  return { display: iface ? `${iface}#${f.name}` : f.name, signature, iface, name: f.name };
}

/** Every function of the exports, for "did you mean" lists. */
function allFunctions(exports: readonly ItemDescription[]): string[] {
  const out: string[] = [];
  for (const e of exports) {
    if (e.kind === 'func') out.push(e.name);
    if (e.kind === 'instance') for (const m of e.members ?? []) if (m.kind === 'func') out.push(`${e.name}#${m.name}`);
  }
  return out;
}

/** Finds the export `asked` names: `fn`, `iface#fn` (with or without @version), `iface#resource.fn`. */
function findTarget(exports: readonly ItemDescription[], asked: string, file: string): Target {
  const hash = asked.lastIndexOf('#');
  const ifaceAsked = hash >= 0 ? asked.slice(0, hash) : null;
  const fnAsked = hash >= 0 ? asked.slice(hash + 1) : asked;
  const worldLevel: Target[] = [];
  const inInterfaces: Target[] = [];
  for (const e of exports) {
    if (e.kind === 'func' && ifaceAsked === null && sameFunction(e.name, fnAsked)) worldLevel.push(describeTarget(null, e));
    if (e.kind !== 'instance') continue;
    if (ifaceAsked !== null && e.name !== ifaceAsked && splitVersion(e.name)[0] !== ifaceAsked) continue;
    for (const m of e.members ?? []) if (m.kind === 'func' && sameFunction(m.name, fnAsked)) inInterfaces.push(describeTarget(e.name, m));
  }
  // a bare name is first a world-level function's, as in JS, where those sit at the top of exports
  const found = worldLevel.length > 0 ? worldLevel : inInterfaces;
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new UsageError(`${asked} could be any of ${found.map((t) => t.display).join(', ')}: name one with "<interface>#<function>"`, 'call');
  }
  const all = allFunctions(exports);
  const list = all.length === 0 ? 'it exports no functions' : `its functions: ${all.slice(0, 12).join(', ')}${all.length > 12 ? `, and ${all.length - 12} more` : ''}`;
  throw new UsageError(`${file} exports no function ${asked} (${list}); \`isowasm inspect ${file}\` shows their types`, 'call');
}

/** The JS function for `t` in the instance's exports (jco's shapes: camelCase functions, PascalCase classes). */
function jsFunctionOf(exports: Record<string, any>, t: Target): (...a: unknown[]) => unknown { // eslint-disable-line @typescript-eslint/no-explicit-any
  const owner = (t.iface === null ? exports : exports[t.iface]) as Record<string, unknown> | undefined;
  const f = parseFuncName(t.name);
  const fn = f.kind === 'static'
    ? (owner?.[pascalCase(f.resource)] as Record<string, unknown> | undefined)?.[camelCase(f.member)]
    : owner?.[camelCase(t.name)];
  if (typeof fn !== 'function') throw new Error(`${t.display} is in the component's description but not in its instance's exports (a bug in isowasm: please report it with the component)`);
  return fn as (...a: unknown[]) => unknown;
}

/** The arguments, one per parameter, read as the parameter's type wants. */
function readArguments(t: Target, args: readonly string[], file: string): unknown[] {
  const params = t.signature.params;
  // JSON never starts with --: such an argument was meant as an option, or as a string
  const flagLike = args.find((a) => a.startsWith('--'));
  if (flagLike !== undefined) {
    const hint = isOptionOf('call', flagLike)
      ? `${flagLike} is an option: options go before the component file (isowasm call ${flagLike} ${file} ${t.display} ...)`
      : `a string that starts with -- must be written as JSON ('"${flagLike}"'), so it is not taken for an option`;
    throw new UsageError(`the argument ${flagLike} is not a value: ${hint}`, 'call');
  }
  if (args.length !== params.length) {
    const want = params.length === 0 ? 'no arguments' : `${params.length} argument${params.length > 1 ? 's' : ''} (${params.map((p) => `${p.name}: ${p.type}`).join(', ')})`;
    throw new UsageError(`${t.display} takes ${want}, but ${args.length} ${args.length === 1 ? 'was' : 'were'} given${args.length > params.length ? `: ${args.slice(params.length).join(' ')} ${args.length - params.length === 1 ? 'is' : 'are'} extra` : ''}`, 'call');
  }
  return args.map((a, i) => parseArgument(a, params[i]!.type));
}

/** Runs `isowasm call`; resolves to the exit code (the guest's, if it exits). */
export async function call(line: CommandLine): Promise<number> {
  const [asked, ...args] = line.rest;
  if (asked === undefined) throw new UsageError('isowasm call needs the function to call after the component file', 'call');
  const component = await loadComponent(line.file);
  const target = findTarget(component.exports, asked, line.file);
  if (target.name.startsWith('[method]') || target.name.startsWith('[constructor]')) {
    throw new UsageError(`${target.display} is a ${target.name.startsWith('[method]') ? 'method' : 'constructor'} of a resource: isowasm call can call plain and static functions only`, 'call');
  }
  const values = readArguments(target, args, line.file);
  const json = line.options.has('--json');
  const limits = instanceLimits(line);
  const { exports } = await component.instantiate({
    ...(limits ? { limits } : {}),
    ...(line.options.has('--imports') ? { imports: await loadImports(line.options.get('--imports')!) } : {}),
    capabilities: grantsFrom(line, [line.file]),
    onCapabilityDenied: reportDenial,
  });
  const fn = jsFunctionOf(exports, target);
  let result: unknown;
  try {
    result = await fn(...values);
  } catch (e) {
    const code = exitCodeOf(e);
    if (code !== null) return code;
    if (e instanceof ComponentError) {
      process.stderr.write(`isowasm: ${target.display} returned an error: ${toJson(e.payload)}\n`);
      return 1;
    }
    // a value of the wrong type: the command line's mistake (the message names the parameter)
    if (e instanceof TypeError) throw new UsageError(e.message, 'call');
    throw e;
  }
  const text = formatResult(result, target.signature.result, json);
  if (text !== null) process.stdout.write(`${text}\n`);
  return 0;
}
