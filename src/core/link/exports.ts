/**
 * Turns a linked component's exported items into JS: interfaces keyed by name (with and without
 * version), camelCase functions, resource classes.
 */
import { type ComponentCall, nameForCallers } from '../abi/functions.js';
import { unboxResult } from '../abi/async.js';
import { isThenable } from '../abi/jspi.js';
import { resourceClass, setResourceConstructor } from '../abi/resources.js';
import { type FuncType, ResourceType, camelCase, pascalCase } from '../abi/types.js';
import { ComponentError } from '../errors.js';
import type { FuncItem, InstanceItem, Item } from './items.js';
import type { AsyncSelector } from './async-options.js';
import { parseFuncName, shortExportName, splitVersion } from './names.js';

/**
 * A component function as JS sees it (jco's conventions): a `result<T, E>` return becomes "return
 * T or throw a ComponentError whose payload is E".
 */
export function jsFunction(f: FuncItem, async = false): ComponentCall {
  const raw = async && f.callAsync ? f.callAsync : f.call;
  // a function returning a future answers with it boxed when it answers with a promise (see `unboxResult`)
  const call: ComponentCall = f.type.result?.kind === 'future'
    ? (...args: unknown[]) => { const r = raw(...args); return isThenable(r) ? Promise.resolve(r).then(unboxResult) : r; }
    : raw;
  if (f.type.result?.kind !== 'result') return call;
  const unwrap = (r: { tag: string; val: unknown }): unknown => {
    if (r.tag === 'err') throw new ComponentError(r.val);
    return r.val;
  };
  if (async) return async (...args: unknown[]) => unwrap((await call(...args)) as { tag: string; val: unknown });
  return (...args: unknown[]) => {
    const r = call(...args);
    // a function lifted `async` answers with a promise even in a synchronous instance
    return isThenable(r) ? Promise.resolve(r).then((v) => unwrap(v as { tag: string; val: unknown })) : unwrap(r as { tag: string; val: unknown });
  };
}

function resourceOf(t: FuncType, f: ReturnType<typeof parseFuncName>, siblings: ReadonlyMap<string, Item>): ResourceType | null {
  const declared = siblings.get(f.resource);
  if (declared?.sort === 'type' && declared.type instanceof ResourceType) return declared.type;
  if (f.kind === 'method') {
    const p = t.params[0]?.type;
    if (p && (p.kind === 'borrow' || p.kind === 'own')) return p.resource;
  }
  if (f.kind === 'constructor') {
    let r = t.result;
    if (r?.kind === 'result') r = r.ok;
    if (r && r.kind === 'own') return r.resource;
  }
  return null;
}

function classOf(rt: ResourceType): unknown {
  return rt.kind === 'host' ? rt.hostClass : resourceClass(rt);
}

/** A resource type exported as a type: its class, under the PascalCase name. */
function exportClass(out: Record<string, unknown>, name: string, t: unknown): void {
  if (!(t instanceof ResourceType)) return;
  const cls = classOf(t);
  if (cls) out[pascalCase(name)] = cls;
}

/**
 * Names a guest resource type after the first export JS sees it under (inner components of the
 * usual layout name it `import-type-x`; JS should see `X`). Later aliases keep the first name.
 */
function expose(rt: ResourceType, name: string): void {
  if (rt.kind !== 'guest' || rt.exposed) return;
  rt.exposed = true;
  rt.name = name;
  Object.defineProperty(resourceClass(rt), 'name', { value: pascalCase(name), configurable: true });
}

/** Gives an exported function the name JS sees it under (for stack traces and `fn.name`). */
function named<F extends object>(fn: F, name: string): F {
  try {
    Object.defineProperty(fn, 'name', { value: name, configurable: true });
  } catch {
    // a frozen host function keeps its own name
  }
  return fn;
}

/**
 * Lets the errors of an exported function name it as JS calls it (`name`), not as the binary does
 * inside; `asyncName` is its name in `instantiate({ async: { exports } })`.
 */
function callerName(f: FuncItem, name: string, asyncName: string): void {
  nameForCallers(f.call, name, asyncName);
  if (f.callAsync) nameForCallers(f.callAsync, name, asyncName);
}

/** Builds the JS object of an exported instance: functions, resource classes, nested instances. */
export function jsInstance(inst: InstanceItem, path: string, isAsync: AsyncSelector): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, item] of inst.exports) {
    if (item.sort === 'type' && item.type instanceof ResourceType) expose(item.type, name);
  }
  for (const [name, item] of inst.exports) {
    switch (item.sort) {
      case 'func': {
        const f = parseFuncName(name);
        const fn = jsFunction(item, isAsync(path, name));
        if (f.kind === 'plain') {
          callerName(item, camelCase(name), `${path}#${name}`);
          out[camelCase(name)] = named(fn, camelCase(name));
          break;
        }
        const rt = resourceOf(item.type, f, inst.exports);
        if (!rt || rt.kind !== 'guest') {
          out[camelCase(name)] = fn;
          break;
        }
        const cls = resourceClass(rt) as unknown as Record<string, unknown> & { prototype: Record<string, unknown> };
        const className = pascalCase(f.resource);
        if (f.kind === 'constructor') {
          callerName(item, `new ${className}`, `${path}#${name}`);
          setResourceConstructor(rt, fn);
        } else if (f.kind === 'static') {
          callerName(item, `${className}.${camelCase(f.member)}`, `${path}#${name}`);
          cls[camelCase(f.member)] = named(fn, camelCase(f.member));
        } else {
          callerName(item, `${className}.prototype.${camelCase(f.member)}`, `${path}#${name}`);
          cls.prototype[camelCase(f.member)] = function method(this: unknown, ...args: unknown[]) {
            return fn(this, ...args);
          };
        }
        break;
      }
      case 'type':
        exportClass(out, name, item.type);
        break;
      case 'instance':
        out[camelCase(name)] = jsInstance(item, `${path}/${name}`, isAsync);
        break;
      default:
        out[camelCase(name)] = item;
    }
  }
  return out;
}

/**
 * The `exports` object of an instance: exported interfaces under their full name, their name
 * without version and their camelCase short name (where unambiguous); functions and resource
 * classes at the top level in camelCase / PascalCase.
 */
export function jsExports(items: ReadonlyMap<string, Item>, isAsync: AsyncSelector = () => false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const aliases = new Map<string, unknown[]>();
  const addAlias = (k: string, v: unknown): void => {
    const list = aliases.get(k) ?? [];
    list.push(v);
    aliases.set(k, list);
  };
  for (const [name, item] of items) {
    if (item.sort === 'type' && item.type instanceof ResourceType) expose(item.type, name);
  }
  for (const [name, item] of items) {
    switch (item.sort) {
      case 'func':
        callerName(item, camelCase(name), name);
        out[camelCase(name)] = named(jsFunction(item, isAsync(null, name)), camelCase(name));
        break;
      case 'instance': {
        const obj = jsInstance(item, name, isAsync);
        out[name] = obj;
        const [base, version] = splitVersion(name);
        if (version !== null) addAlias(base, obj);
        addAlias(shortExportName(name), obj);
        break;
      }
      case 'type':
        exportClass(out, name, item.type);
        break;
      default: out[camelCase(name)] = item;
    }
  }
  for (const [k, list] of aliases) {
    if (list.length === 1 && !(k in out)) out[k] = list[0];
  }
  return out;
}
