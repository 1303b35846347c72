/**
 * Runs a Component Model specification `.wast` script (read by ./wast.ts) through isowasm's
 * public API: each `(component ...)` binary (encoded by `jco parse` in scripts/build-fixtures.mjs)
 * is loaded with `loadComponent` and instantiated under JSPI (`async: true`: the scripts' guests
 * block inside tasks), and each assertion calls an export of the current instance.
 *
 * Works in Node and in the browser (files come over the test server there).
 */
import type { Component } from '../../src/core/index.js';
import { AssertionError, deepEqual, show } from './assert.js';
import { readRepoFile, readRepoText } from './files.js';
import { platform } from './platform.js';
import { type WastCommand, type WastInvoke, type WastValue, readWast } from './wast.js';

type Exports = Record<string, unknown>;

/** kebab-case -> camelCase, as isowasm (and jco) name functions and record fields. */
function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A script value as isowasm's JS conventions give or take it (DESIGN.md section 3). */
export function jsValue(v: WastValue): unknown {
  switch (v.type) {
    case 'list':
    case 'tuple':
      return v.value.map(jsValue);
    case 'record':
      return Object.fromEntries(v.value.map(([k, x]) => [camel(k), jsValue(x)]));
    case 'variant':
      return v.value === undefined ? { tag: v.case } : { tag: v.case, val: jsValue(v.value) };
    case 'option':
      return v.value === undefined ? undefined : jsValue(v.value);
    case 'result':
      return v.value === undefined ? { tag: v.ok ? 'ok' : 'err' } : { tag: v.ok ? 'ok' : 'err', val: jsValue(v.value) };
    case 'flags':
      throw new Error('flags.const is not supported: the runner does not know the other flags of the type');
    default:
      return v.value;
  }
}

/** What an `assert_trap` (or a failing `assert_invalid`) saw, for the suite's checks. */
export interface TrapSeen { line: number; expected: string; error: unknown }

/** The result of running a script: its assertions passed, or the first that failed (thrown). */
export interface ScriptRun { commands: number; traps: TrapSeen[]; invalid: TrapSeen[] }

/** How a script runs: `reason` says which isowasm message a spec trap message stands for. */
export interface RunOptions {
  /**
   * The pattern isowasm's message must match for a trap (or a validation error) the script
   * expects with `message` (isowasm words them its own way), or undefined when no pattern is known
   * yet (a failure that asks for one: a trap for another reason must never count).
   */
  reason(message: string): RegExp | undefined;
  /** Limits of every instance (a guest that never answers ends with TIMEOUT instead of hanging the suite). */
  timeoutMs: number;
  /** How long a call may go unanswered before the script fails as hung (longer than timeoutMs). */
  hangMs: number;
  /** Called before each command (for tracing a script while debugging it). */
  onCommand?(c: WastCommand): void;
}

/** Fails a command of the script, naming its line and what it checks. */
class ScriptFailure extends Error {
  constructor(file: string, c: WastCommand, message: string, options?: { cause?: unknown }) {
    super(`${file}:${c.line} ${c.kind}${'invoke' in c ? ` "${c.invoke.name}"` : ''}: ${message}`, options);
    this.name = 'ScriptFailure';
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === 'string' ? ` ${code}` : ''}: ${e.message}`;
  }
  return show(e);
}

/**
 * Did `e` come from a trap (the guest's own, or a Canonical ABI rule the guest broke)? isowasm
 * reports both as an IsowasmError with code TRAP; a call into an instance that is running a call
 * it may not re-enter is REENTRANCE (the spec's "cannot enter component instance" trap).
 */
export function isTrap(e: unknown, expected: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof Error)) return false;
  // the spec poisons an instance that trapped: its next call traps as "cannot enter"
  if (code === 'INSTANCE_POISONED') return /cannot enter component instance/.test(expected);
  return code === 'TRAP' || code === 'REENTRANCE';
}

/**
 * Reads the binary of component `n` of `file`, or fails with jco's message when it could not
 * encode it (scripts/build-fixtures.mjs lists those in errors.json beside the binaries).
 */
async function componentBytes(dir: string, file: string, n: number): Promise<Uint8Array> {
  const base = `build/fixtures/${dir}/${file.replace(/\.wast$/, '')}`;
  let errors: Record<string, string>;
  try {
    errors = JSON.parse(await readRepoText(`${base}/errors.json`)) as Record<string, string>;
  } catch (e) {
    throw new Error(`${base}/errors.json is missing: run \`npm run fixtures\``, { cause: e });
  }
  const why = errors[String(n)];
  if (why !== undefined) throw new Error(`jco parse could not encode component ${n} of ${file}: ${why}`);
  return readRepoFile(`${base}/${n}.wasm`);
}

/**
 * Runs the script `test/fixtures/<dir>/<file>` to its end; throws a ScriptFailure at the first
 * command whose expectation does not hold.
 */
export async function runWastScript(dir: string, file: string, options: RunOptions): Promise<ScriptRun> {
  const { loadComponent } = await platform();
  const commands = readWast(await readRepoText(`test/fixtures/${dir}/${file}`));
  const definitions = new Map<string, Component>();
  const instances = new Map<string, Exports>();
  let current: Exports | undefined;
  const traps: TrapSeen[] = [];
  const invalid: TrapSeen[] = [];

  const load = async (c: WastCommand & { component: number }): Promise<Component> => {
    const bytes = await componentBytes(dir, file, c.component);
    try {
      return await loadComponent(bytes);
    } catch (e) {
      throw new ScriptFailure(file, c, `loadComponent failed: ${describeError(e)}`, { cause: e });
    }
  };
  const instantiate = async (c: WastCommand, component: Component): Promise<Exports> => {
    try {
      return (await unhung(c, component.instantiate({ async: true, limits: { timeoutMs: options.timeoutMs } }))).exports as Exports;
    } catch (e) {
      throw new ScriptFailure(file, c, `instantiate failed: ${describeError(e)}`, { cause: e });
    }
  };
  const call = async (c: WastCommand, inv: WastInvoke): Promise<unknown> => {
    const target = inv.instance === undefined ? current : instances.get(inv.instance);
    if (!target) throw new ScriptFailure(file, c, `no instance ${inv.instance ?? '(current)'} to invoke`);
    const fn = target[camel(inv.name)];
    if (typeof fn !== 'function') throw new ScriptFailure(file, c, `the instance has no function export "${inv.name}" (exports: ${Object.keys(target).join(', ')})`);
    return await unhung(c, (fn as (...a: unknown[]) => unknown)(...inv.args.map(jsValue)));
  };

  // limits.timeoutMs ends a guest that never returns from an async export, but not every wait
  // (a synchronously lifted export that waits on a promise that never settles): a hang fails
  // the script at its command instead of hanging the suite
  const unhung = async <T>(c: WastCommand, p: T | Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ScriptFailure(file, c, `no answer within ${options.hangMs} ms: isowasm never settled the call (a hang)`)), options.hangMs);
    });
    try {
      return await Promise.race([p, hang]);
    } finally {
      clearTimeout(timer);
    }
  };

  const checkReason = (c: WastCommand & { message: string }, e: unknown): void => {
    const pattern = options.reason(c.message);
    const got = (e as Error).message;
    if (!pattern) throw new ScriptFailure(file, c, `trapped with "${got}", but no isowasm message is known for the spec's "${c.message}": add one to the suite's reasons`, { cause: e });
    if (!pattern.test(got)) throw new ScriptFailure(file, c, `trapped for another reason: expected "${c.message}" (${String(pattern)}), got "${got}"`, { cause: e });
  };

  for (const c of commands) {
    options.onCommand?.(c);
    switch (c.kind) {
      case 'component': {
        current = await instantiate(c, await load(c));
        if (c.name) instances.set(c.name, current);
        break;
      }
      case 'definition':
        definitions.set(c.name, await load(c));
        break;
      case 'instance': {
        const d = definitions.get(c.definition);
        if (!d) throw new ScriptFailure(file, c, `no component definition ${c.definition}`);
        current = await instantiate(c, d);
        instances.set(c.name, current);
        break;
      }
      case 'invoke':
        try {
          await call(c, c.invoke);
        } catch (e) {
          if (e instanceof ScriptFailure) throw e;
          throw new ScriptFailure(file, c, `the call failed: ${describeError(e)}`, { cause: e });
        }
        break;
      case 'assert_return': {
        let got: unknown;
        try {
          got = await call(c, c.invoke);
        } catch (e) {
          if (e instanceof ScriptFailure) throw e;
          throw new ScriptFailure(file, c, `expected a return, the call failed: ${describeError(e)}`, { cause: e });
        }
        const expected = c.results.length === 0 ? undefined : c.results.length === 1 ? jsValue(c.results[0]!) : c.results.map(jsValue);
        try {
          deepEqual(got, expected);
        } catch (e) {
          throw new ScriptFailure(file, c, (e as AssertionError).message);
        }
        break;
      }
      case 'assert_trap': {
        let got: unknown;
        try {
          got = await call(c, c.invoke);
        } catch (e) {
          if (e instanceof ScriptFailure) throw e;
          if (!isTrap(e, c.message)) throw new ScriptFailure(file, c, `expected a trap ("${c.message}"), got ${describeError(e)}`, { cause: e });
          checkReason(c, e);
          traps.push({ line: c.line, expected: c.message, error: e });
          break;
        }
        throw new ScriptFailure(file, c, `expected a trap ("${c.message}"), the call returned ${show(got)}`);
      }
      case 'assert_trap_instantiate': {
        const component = await load(c);
        try {
          await unhung(c, component.instantiate({ async: true, limits: { timeoutMs: options.timeoutMs } }));
        } catch (e) {
          if (!isTrap(e, c.message)) throw new ScriptFailure(file, c, `expected instantiation to trap ("${c.message}"), got ${describeError(e)}`, { cause: e });
          checkReason(c, e);
          traps.push({ line: c.line, expected: c.message, error: e });
          break;
        }
        throw new ScriptFailure(file, c, `expected instantiation to trap ("${c.message}"), it succeeded`);
      }
      case 'assert_invalid':
      case 'assert_malformed': {
        // the spec validates before instantiation; isowasm checks some rules while it links, so
        // a rejection by loadComponent or by the first instantiate counts, as INVALID_BINARY only
        const bytes = await componentBytes(dir, file, c.component);
        try {
          await unhung(c, (await loadComponent(bytes)).instantiate({ async: true, limits: { timeoutMs: options.timeoutMs } }));
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (code !== 'INVALID_BINARY') throw new ScriptFailure(file, c, `expected INVALID_BINARY ("${c.message}"), got ${describeError(e)}`, { cause: e });
          checkReason(c, e);
          invalid.push({ line: c.line, expected: c.message, error: e });
          break;
        }
        throw new ScriptFailure(file, c, `expected the component to be rejected as invalid ("${c.message}"), it was loaded and instantiated`);
      }
    }
  }
  return { commands: commands.length, traps, invalid };
}
