/**
 * The worker's side of the 'worker' strategy: it links and runs the component synchronously with
 * isowasm's own linker and Canonical ABI. Its imports are made from the shapes the parent sent:
 * every function posts the call to the parent and blocks in `Atomics.wait` until the reply is
 * in the shared slot; resource classes are proxies for host objects that stay in the parent.
 */
import { isThenable } from '../abi/jspi.js';
import { disposeWrapper, symbolDispose, wrapperType } from '../abi/resources.js';
import { camelCase, pascalCase } from '../abi/types.js';
import { readCoreSignatures, type CoreSignatures } from '../binary/core-signatures.js';
import { parseComponent } from '../binary/parse-component.js';
import { jsExports } from '../link/exports.js';
import { HostImports } from '../link/host-imports.js';
import { Instantiation } from '../link/instantiate.js';
import { parseFuncName } from '../link/names.js';
import { Lent, Proxies } from './handles.js';
import type { ParentPort } from './platform.js';
import {
  type CallOp, type ExportNode, type GuestClassRef, type ImportShape, type NamespaceShape, type Reply, type ToParent,
  type ToWorker, errorIn, errorOut, isGuestToken, isHostToken, isPlainObject,
} from './protocol.js';
import { Meter } from '../meter/meter.js';
import { ResetTracker } from '../reset/tracker.js';
import { IsowasmError } from '../errors.js';
import { ReplySlot } from './wire.js';

type AnyFn = (...args: unknown[]) => unknown;
type Ctor = (new (...args: unknown[]) => object) & Record<string, unknown>;

/** The parent's id of a host object a proxy stands for. */
const HID = Symbol('isowasm.host');

/**
 * Serves one guest instance over `port`: waits for the parent's `init`, instantiates, then
 * answers calls. Started by the platform's worker entry (src/node/worker.ts, src/browser/worker.ts).
 */
export function serveGuest(port: ParentPort): void {
  let guest: GuestSide | null = null;
  port.onMessage((data) => {
    const m = data as ToWorker;
    if (m.t === 'init') {
      guest = new GuestSide(port, m.sab);
      void guest.init(m);
    } else {
      guest?.handle(m);
    }
  });
}

/** Host objects the guest was given when their class is unknown (the host declared none). */
class HostObject {}

class GuestSide {
  readonly #port: ParentPort;
  readonly #slot: ReplySlot;
  /** proxy classes of host resource types, by the parent's class index */
  readonly #hostClasses: Ctor[] = [];
  readonly #hostClassIndex = new Map<unknown, number>();
  readonly #ctors = new Map<unknown, AnyFn>();
  readonly #hosts: Proxies<object>;
  readonly #guests = new Lent<object>();
  readonly #guestClasses: Ctor[] = [];
  readonly #guestClassIndex = new Map<unknown, number>();
  readonly #described = new Set<number>();
  readonly #fns: AnyFn[] = [];
  /** a resettable instance: its snapshot, and its meter (which a reset rewinds) */
  #tracker: ResetTracker | null = null;
  #meter: Meter | null = null;

  constructor(port: ParentPort, sab: SharedArrayBuffer) {
    this.#port = port;
    this.#slot = new ReplySlot(sab);
    this.#hosts = new Proxies((list) => this.#post({ t: 'release', list }));
  }

  #post(m: ToParent): void {
    this.#port.post(m);
  }

  async init(m: Extract<ToWorker, { t: 'init' }>): Promise<void> {
    try {
      const model = parseComponent(m.bytes, m.loaderLimits);
      const given = new Map(m.modules);
      const modules = new Map<number, WebAssembly.Module>();
      const moduleSizes = new Map<number, number>();
      const signatures = new WeakMap<WebAssembly.Module, CoreSignatures | null>();
      for (const { id, bytes } of model.allModules) {
        const mod = given.get(id) ?? await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
        modules.set(id, mod);
        moduleSizes.set(id, bytes.length);
        signatures.set(mod, readCoreSignatures(bytes));
      }
      const host = new HostImports(model, this.#imports(m.imports));
      // the modules the parent sent are metered when the limits ask for it: the meter lives here, beside the guest
      const meter = m.limits.fuel !== null || m.limits.timeoutMs !== null ? new Meter(m.limits.fuel ?? Infinity, m.limits.timeoutMs ?? Infinity) : undefined;
      const tracker = m.resettable ? new ResetTracker(modules.values()) : null;
      const inst = new Instantiation(model, host, null, { modules, moduleSizes, signatures, limits: m.limits, ...(meter ? { meter } : {}), ...(tracker ? { reset: tracker } : {}) }, 'component');
      host.bind(inst);
      host.checkAll();
      meter?.enter();
      let items: Awaited<ReturnType<Instantiation['run']>>;
      try {
        items = await inst.run();
      } finally {
        meter?.leave();
      }
      const exports = jsExports(items);
      tracker?.snapshot();
      meter?.mark();
      this.#tracker = tracker;
      this.#meter = meter ?? null;
      this.#post({ t: 'ready', exports: this.#describe(exports, new Map(), new Map()) });
    } catch (e) {
      this.#post({ t: 'failed', error: errorOut(e, (v) => this.#out(v)) });
    }
  }

  // --- imports: proxies of the parent's --------------------------------------------------------

  #imports(shapes: readonly ImportShape[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // classes first: world-level methods attach to them
    for (const s of shapes) {
      if (s.sort === 'resource' && s.cls >= 0) out[s.name] = this.#hostClass(s.cls, s.name);
    }
    for (const s of shapes) {
      switch (s.sort) {
        case 'instance': out[s.name] = this.#namespace(s.ns); break;
        case 'func': this.#attach(out, s.name, s.name, s.fn, s.result, (r) => out[r] as Ctor | undefined); break;
        case 'core-module': out[s.name] = s.module; break;
        default: break;
      }
    }
    return out;
  }

  #namespace(ns: NamespaceShape): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const [name, cls] of ns.resources) if (cls >= 0) o[pascalCase(name)] = this.#hostClass(cls, name);
    for (const [name, fn, result] of ns.funcs) {
      this.#attach(o, name, camelCase(name), fn, result, (r) => o[pascalCase(r)] as Ctor | undefined);
    }
    for (const [name, inner] of ns.nested) o[camelCase(name)] = this.#namespace(inner);
    return o;
  }

  /** Puts the forwarder of host function `fn` where the linker looks for it (jco's conventions). */
  #attach(target: Record<string, unknown>, name: string, key: string, fn: number, result: boolean, classOf: (resource: string) => Ctor | undefined): void {
    const call = this.#forwarder(fn, result);
    const f = parseFuncName(name);
    if (f.kind === 'plain') {
      target[key] = call;
      return;
    }
    const C = classOf(f.resource);
    if (!C) return;
    if (f.kind === 'constructor') this.#ctors.set(C, call);
    else if (f.kind === 'static') C[camelCase(f.member)] = call;
    else {
      (C.prototype as Record<string, unknown>)[camelCase(f.member)] = function method(this: unknown, ...args: unknown[]) {
        return call(this, ...args);
      };
    }
  }

  /**
   * A host function as the guest's linker sees it: the parent returns the component-level
   * result, turned back into jco's convention (return the ok value, throw `{ payload }`).
   */
  #forwarder(fn: number, result: boolean): AnyFn {
    return (...args: unknown[]) => {
      const r = this.#hostCall(fn, args);
      if (!result) return r;
      const v = r as { tag?: unknown; val?: unknown };
      if (v.tag === 'err') throw { payload: v.val };
      return v.val;
    };
  }

  #hostCall(fn: number, args: unknown[]): unknown {
    const sent = this.#out(args) as unknown[];
    this.#slot.arm();
    this.#post({ t: 'host', fn, args: sent });
    const reply = this.#slot.wait() as Reply;
    if (reply.ok) return this.#in(reply.value);
    throw errorIn(reply.error!, (v) => this.#in(v));
  }

  #hostClass(c: number, name: string): Ctor {
    const done = this.#hostClasses[c];
    if (done) return done;
    const side = this;
    const pascal = pascalCase(name) || 'Resource';
    const holder = {
      [pascal]: class {
        constructor(...args: unknown[]) {
          const ctor = side.#ctors.get(C);
          if (!ctor) throw new TypeError(`the host's ${pascal} has no constructor`);
          return ctor(...args) as never;
        }
      },
    };
    const C = holder[pascal] as unknown as Ctor;
    (C.prototype as Record<symbol, unknown>)[symbolDispose] = function dispose(this: Record<symbol, unknown>) {
      // the guest dropped its owned handle: the host object's own dispose runs in the parent
      const id = this[HID];
      if (typeof id === 'number') side.#post({ t: 'dispose', id });
    };
    this.#hostClasses[c] = C;
    this.#hostClassIndex.set(C, c);
    return C;
  }

  // --- exports: described for the parent's proxies ---------------------------------------------

  #describe(v: unknown, objects: Map<object, number>, fns: Map<unknown, number>): ExportNode {
    if (typeof v === 'function') {
      const hc = this.#hostClassIndex.get(v);
      if (hc !== undefined) return { k: 'host-class', c: hc };
      if (isGuestClass(v)) return { k: 'class', cls: this.#classRef(v as Ctor) };
      let fn = fns.get(v);
      if (fn === undefined) fns.set(v, (fn = this.#fns.push(v as AnyFn) - 1));
      return { k: 'fn', fn, name: (v as AnyFn).name };
    }
    if (typeof v === 'object' && v !== null && isPlainObject(v)) {
      const seen = objects.get(v);
      if (seen !== undefined) return { k: 'ref', id: seen };
      const id = objects.size;
      objects.set(v, id);
      return { k: 'object', id, entries: Object.keys(v).map((k) => [k, this.#describe((v as Record<string, unknown>)[k], objects, fns)] as const) };
    }
    return { k: 'none' };
  }

  /** The index of a guest resource class, with its description the first time the parent hears of it. */
  #classRef(C: Ctor): GuestClassRef {
    let c = this.#guestClassIndex.get(C);
    if (c === undefined) {
      c = this.#guestClasses.push(C) - 1;
      this.#guestClassIndex.set(C, c);
    }
    if (this.#described.has(c)) return { c };
    this.#described.add(c);
    const proto = C.prototype as Record<string, unknown>;
    const methods = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor' && typeof proto[k] === 'function');
    const statics = Object.getOwnPropertyNames(C).filter((k) => !['length', 'name', 'prototype'].includes(k) && typeof C[k] === 'function');
    return { c, d: { name: C.name, methods, statics } };
  }

  handle(m: Exclude<ToWorker, { t: 'init' }>): void {
    switch (m.t) {
      case 'call': {
        let reply: ToParent;
        try {
          const value = this.#run(m.op);
          if (isThenable(value)) {
            // an export lifted async answers later; its promise can't cross to the parent (nor the streams it may pass)
            value.then(() => {}, () => {});
            throw new IsowasmError('UNSUPPORTED', 'this export is lifted async (component-model async, e.g. a WASI 0.3 command\'s run), which the \'worker\' strategy does not run yet; use the \'jspi\' strategy (the default where WebAssembly.Suspending exists)');
          }
          reply = { t: 'return', seq: m.seq, ok: true, value: this.#out(value) };
        } catch (e) {
          reply = { t: 'return', seq: m.seq, ok: false, error: errorOut(e, (v) => this.#out(v)) };
        }
        try {
          this.#post(reply);
        } catch (e) {
          // a value structured clone refuses: report it rather than leave the call hanging
          this.#post({ t: 'return', seq: m.seq, ok: false, error: errorOut(e, () => undefined) });
        }
        break;
      }
      case 'dispose':
        try {
          disposeWrapper(this.#in(m.self));
        } catch {
          // an object the guest already dropped, or an instance that trapped: nothing to undo
        }
        break;
      case 'release': this.#guests.release(m.list); break;
    }
  }

  #run(op: CallOp): unknown {
    const args = this.#in(op.args) as unknown[];
    switch (op.k) {
      case 'fn': return this.#fns[op.fn]!(...args);
      case 'new': return new this.#guestClasses[op.c]!(...args);
      case 'static': return (this.#guestClasses[op.c]![op.name] as AnyFn)(...args);
      case 'reset': {
        if (!this.#tracker) throw new IsowasmError('INTERNAL', 'a reset reached a worker whose instance is not resettable');
        this.#tracker.restore();
        this.#meter?.rewind();
        return undefined;
      }
      case 'method': {
        const self = this.#in(op.self);
        const rt = wrapperType(self);
        const m = rt ? (self as Record<string, unknown>)[op.name] : undefined;
        if (typeof m !== 'function') throw new TypeError(`${op.name}() was called on something that is not a resource object of this instance`);
        return (m as AnyFn).apply(self, args);
      }
    }
  }

  // --- values ----------------------------------------------------------------------------------

  /** Outgoing values: guest resource objects and host proxies become tokens. */
  #out(v: unknown, depth = 0): unknown {
    if (typeof v !== 'object' || v === null) return typeof v === 'function' ? undefined : v;
    if (depth > 10_000) throw new RangeError('the value is nested too deeply');
    if (ArrayBuffer.isView(v)) {
      // a view into a larger buffer: send only its bytes (structured clone copies whole buffers)
      return v.byteLength === v.buffer.byteLength ? v : (v as unknown as { slice(): unknown }).slice();
    }
    if (v instanceof ArrayBuffer) return v;
    const hid = (v as Record<symbol, unknown>)[HID];
    if (typeof hid === 'number') return { $h: hid };
    if (Array.isArray(v)) return v.map((x) => this.#out(x, depth + 1));
    if (wrapperType(v)) return { $g: this.#guests.lend(v), ...this.#classRef(v.constructor as Ctor) };
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = this.#out((v as Record<string, unknown>)[k], depth + 1);
    return o;
  }

  /** Incoming values (fresh copies): tokens become proxies or the guest objects they name, in place. */
  #in(v: unknown): unknown {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.#in(v[i]);
      return v;
    }
    if (isHostToken(v)) {
      const id = v.$h;
      const c = v.c ?? -1;
      return this.#hosts.get(id, () => {
        const C = c >= 0 ? this.#hostClasses[c] : undefined;
        const p = Object.create((C ?? HostObject).prototype) as object;
        Object.defineProperty(p, HID, { value: id });
        return p;
      });
    }
    if (isGuestToken(v)) {
      const obj = this.#guests.get(v.$g);
      if (!obj) throw new TypeError('this resource object no longer exists in the instance');
      return obj;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = this.#in(o[k]);
    return o;
  }
}

/** Resource classes of guest types carry isowasm's dispose method (see resourceClass). */
function isGuestClass(v: unknown): boolean {
  const proto = (v as { prototype?: unknown }).prototype;
  return typeof proto === 'object' && proto !== null && typeof (proto as Record<symbol, unknown>)[symbolDispose] === 'function';
}
