/**
 * The parent's side of the 'worker' strategy: the host's imports run here, the guest runs in a
 * worker (guest.ts). Every export of the instance becomes an async proxy; every import call of
 * the guest arrives as a message, runs here (awaiting a promise if the host returns one) and is
 * answered through the shared reply slot while the guest waits in `Atomics.wait`.
 */
import { isThenable } from '../abi/jspi.js';
import { symbolDispose } from '../abi/resources.js';
import { type ValType, ResourceType } from '../abi/types.js';
import type { ComponentModel } from '../binary/model.js';
import { IsowasmError } from '../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { type WeakReference, finalizationRegistry, weakRef } from '../weak.js';
import { HostImports } from '../link/host-imports.js';
import { Instantiation, type LinkContext } from '../link/instantiate.js';
import type { FuncItem, InstanceItem } from '../link/items.js';
import { Lent, Proxies } from './handles.js';
import type { GuestWorker, WorkerInstance, WorkerInstantiation, WorkerPlatform } from './platform.js';

export type { WorkerInstance, WorkerInstantiation };
import {
  type CallOp, type ExportNode, type GuestClassRef, type GuestToken, type ImportShape, type NamespaceShape, type Reply,
  type ToParent, type ToWorker, errorIn, errorOut, isGuestToken, isHostToken, isPlainObject,
} from './protocol.js';
import { ReplySlot, encode } from './wire.js';

/** Proxies keep this object alive; when it is collected, nothing can call the worker any more. */
const LIFE = Symbol('isowasm.worker');

const orphans = finalizationRegistry<ParentBridge>((bridge) => bridge.terminate(null));

/**
 * Runs the component in a worker. Imports are checked here first, so a missing import fails
 * exactly as it does in-thread, before any worker starts.
 */
export async function instantiateInWorker(a: WorkerInstantiation): Promise<WorkerInstance> {
  const host = new HostImports(a.model, a.imports);
  const inst = new Instantiation(a.model, host, null, a.link, 'component');
  host.bind(inst);
  host.checkAll();
  const bridge = new ParentBridge(a.platform, a.afterCall);
  // with limits.timeoutMs the guest's meter stops it in the worker; terminating the worker is
  // the second line, should a call outlive its deadline by far (a guest the meter can't reach)
  const timeoutMs = a.limits?.timeoutMs ?? null;
  if (timeoutMs !== null) bridge.backstopMs = 2 * timeoutMs + 1000;
  const imports = bridge.describeImports(a.model, host);
  // structured clone copies a view's whole buffer: send only the component's bytes
  const bytes = a.bytes.byteLength === a.bytes.buffer.byteLength ? a.bytes : a.bytes.slice();
  // the worker parses the bytes again, under the same loader limits
  const node = await bridge.start({ t: 'init', bytes, loaderLimits: a.model.limits, modules: [...a.link.modules], sab: bridge.slot.buffer, imports, limits: a.limits ?? DEFAULT_LIMITS, resettable: a.resettable === true });
  const life = {};
  bridge.live(life);
  orphans.register(life, bridge, bridge);
  const exports = bridge.buildExports(node) as Record<string, unknown> | undefined ?? {};
  return {
    exports,
    terminate: async () => {
      bridge.terminate(new IsowasmError('INSTANCE_POISONED', 'the instance was terminated; create a new instance to continue'));
    },
    ...(a.resettable ? {
      reset: (before: () => void): Promise<void> => {
        if (bridge.busy) {
          return Promise.reject(new IsowasmError('REENTRANCE', 'instance.reset() was called while a call into the instance is in progress; reset it after the call settles'));
        }
        before();
        return bridge.call({ k: 'reset', args: [] }).then(() => undefined);
      },
    } : {}),
  };
}

type Settle = { resolve(v: unknown): void; reject(e: unknown): void };

class ParentBridge {
  readonly slot = new ReplySlot();
  /**
   * The id of a guest resource object's proxy, under a symbol of this bridge's own: another
   * instance's proxies are foreign objects here (as another instance's resources are in-thread).
   */
  readonly #gid = Symbol('isowasm.guest');
  /** the host's functions, by the index the worker calls them with */
  readonly #funcs: FuncItem[] = [];
  /** host resource types with a class, by class index */
  readonly #classes: ResourceType[] = [];
  readonly #classIndex = new Map<ResourceType, number>();
  readonly #byProto = new Map<object, number>();
  readonly #hosts = new Lent<object>();
  readonly #guests: Proxies<object>;
  readonly #guestClasses: (new (...a: unknown[]) => object)[] = [];
  readonly #fns: ((...a: unknown[]) => Promise<unknown>)[] = [];
  readonly #afterCall: readonly (() => Promise<void> | void)[];
  readonly #platform: WorkerPlatform;
  #worker: GuestWorker | null = null;
  #ready: Settle | null = null;
  readonly #pending = new Map<number, Settle>();
  #seq = 0;
  /** calls run one at a time, in call order, each after the previous one's after-call hooks */
  #queue: Promise<unknown> = Promise.resolve();
  /** true while a host function runs synchronously: a call into the instance then is re-entrance */
  #inHost = false;
  #dead: Error | null = null;
  /**
   * What every proxy holds (weakly here: the finalization registry holds this bridge, and must
   * not hold what it watches); held strongly while calls are in flight.
   */
  #life: WeakReference<object> | null = null;
  #keep: object | null = null;

  constructor(platform: WorkerPlatform, afterCall: readonly (() => Promise<void> | void)[]) {
    this.#platform = platform;
    this.#afterCall = afterCall;
    this.#guests = new Proxies((list) => this.#post({ t: 'release', list }));
  }

  /** Sets the object every proxy keeps alive. */
  live(life: object): void {
    this.#life = weakRef(life);
  }

  // --- imports ---------------------------------------------------------------------------------

  /** The shapes of the root imports, registering every host function and resource class. */
  describeImports(model: ComponentModel, host: HostImports): ImportShape[] {
    const out: ImportShape[] = [];
    for (const def of model.imports) {
      const item = host.get(def.name);
      const name = def.name;
      if (!item) out.push({ sort: 'none', name });
      else if (item.sort === 'instance') out.push({ sort: 'instance', name, ns: this.#namespace(item) });
      else if (item.sort === 'func') out.push({ sort: 'func', name, fn: this.#addFunc(item), result: item.type.result?.kind === 'result' });
      else if (item.sort === 'type' && item.type instanceof ResourceType && item.type.kind === 'host') out.push({ sort: 'resource', name, cls: this.#classOf(item.type) });
      else if (item.sort === 'core-module') out.push({ sort: 'core-module', name, module: item.module });
      else out.push({ sort: 'none', name });
    }
    return out;
  }

  #namespace(inst: InstanceItem): NamespaceShape {
    const funcs: [string, number, boolean][] = [];
    const resources: [string, number][] = [];
    const nested: [string, NamespaceShape][] = [];
    for (const [name, item] of inst.exports) {
      if (item.sort === 'func') funcs.push([name, this.#addFunc(item), item.type.result?.kind === 'result']);
      else if (item.sort === 'type' && item.type instanceof ResourceType && item.type.kind === 'host') resources.push([name, this.#classOf(item.type)]);
      else if (item.sort === 'instance') nested.push([name, this.#namespace(item)]);
    }
    return { funcs, resources, nested };
  }

  #addFunc(f: FuncItem): number {
    return this.#funcs.push(f) - 1;
  }

  /** The class index of a host resource type (-1 when the host gave no class: any object is accepted). */
  #classOf(rt: ResourceType): number {
    if (!rt.hostClass) return -1;
    let c = this.#classIndex.get(rt);
    if (c === undefined) {
      c = this.#classes.push(rt) - 1;
      this.#classIndex.set(rt, c);
      const proto = (rt.hostClass as { prototype?: unknown }).prototype;
      if (typeof proto === 'object' && proto !== null && !this.#byProto.has(proto)) this.#byProto.set(proto, c);
    }
    return c;
  }

  /** A guest's import call: run the host function, await it if needed, and wake the guest. */
  async #serveHost(m: Extract<ToParent, { t: 'host' }>): Promise<void> {
    let reply: Reply;
    try {
      const f = this.#funcs[m.fn];
      if (!f) throw new IsowasmError('INTERNAL', `the worker called unknown host function ${m.fn}`);
      const args = this.#in(m.args) as unknown[];
      let r: unknown;
      this.#inHost = true;
      try {
        r = f.call(...args);
      } finally {
        this.#inHost = false;
      }
      if (isThenable(r)) r = await r;
      reply = { ok: true, value: this.#outTyped(f.type.result, r) };
    } catch (e) {
      reply = { ok: false, error: errorOut(e, (v) => this.#out(v)) };
    }
    if (this.#dead) return;
    try {
      this.slot.write(encode(reply));
    } catch (e) {
      this.slot.write(encode({ ok: false, error: errorOut(e, () => undefined) } satisfies Reply));
    }
  }

  // --- exports ---------------------------------------------------------------------------------

  buildExports(node: ExportNode, objects: object[] = [], fns = new Map<number, unknown>()): unknown {
    switch (node.k) {
      case 'fn': {
        let f = fns.get(node.fn);
        if (!f) {
          const id = node.fn;
          const call = (...args: unknown[]): Promise<unknown> => this.call({ k: 'fn', fn: id, args });
          Object.defineProperty(call, 'name', { value: node.name, configurable: true });
          this.#keepAlive(call);
          fns.set(id, (f = call));
        }
        return f;
      }
      case 'class': return this.#guestClass(node.cls);
      case 'host-class': return this.#classes[node.c]?.hostClass;
      case 'object': {
        const o: Record<string, unknown> = {};
        objects[node.id] = o;
        this.#keepAlive(o);
        for (const [k, n] of node.entries) o[k] = this.buildExports(n, objects, fns);
        return o;
      }
      case 'ref': return objects[node.id];
      case 'none': return undefined;
    }
  }

  #keepAlive(o: object): void {
    Object.defineProperty(o, LIFE, { value: this.#life?.deref() });
  }

  /** The parent's class for a guest resource class of the worker. */
  #guestClass(ref: GuestClassRef): new (...a: unknown[]) => object {
    const done = this.#guestClasses[ref.c];
    if (done) return done;
    if (!ref.d) throw new IsowasmError('INTERNAL', `guest class ${ref.c} was never described`);
    const bridge = this;
    const c = ref.c;
    const name = ref.d.name || 'Resource';
    const holder = {
      [name]: class {
        constructor(...args: unknown[]) {
          // like an async export in-thread: `new` yields a promise of the new resource object
          return bridge.call({ k: 'new', c, args }) as never;
        }
      },
    };
    const C = holder[name]! as unknown as (new (...a: unknown[]) => object) & Record<string, unknown>;
    const proto = C.prototype as Record<string | symbol, unknown>;
    for (const m of ref.d.methods) {
      proto[m] = function method(this: unknown, ...args: unknown[]) {
        return bridge.call({ k: 'method', name: m, self: this, args });
      };
    }
    for (const s of ref.d.statics) C[s] = (...args: unknown[]) => bridge.call({ k: 'static', c, name: s, args });
    proto[symbolDispose] = function dispose(this: object) {
      bridge.#dispose(this);
    };
    this.#keepAlive(C);
    this.#guestClasses[c] = C;
    return C;
  }

  #guestProxy(t: GuestToken): object {
    const C = this.#guestClass({ c: t.c ?? -1, ...(t.d ? { d: t.d } : {}) });
    return this.#guests.get(t.$g, () => {
      const p = Object.create(C.prototype) as object;
      Object.defineProperty(p, this.#gid, { value: t.$g });
      this.#keepAlive(p);
      return p;
    });
  }

  /** calls made and not settled yet (queued, sent or running) */
  #calls = 0;

  /** Whether a call into the instance is queued, on its way or running. */
  get busy(): boolean {
    return this.#calls > 0;
  }

  /** How long a call may take before the worker is terminated (null: no limit). */
  backstopMs: number | null = null;

  /** Calls into the instance: queued behind earlier calls, sent once they have settled. */
  call(op: CallOp): Promise<unknown> {
    if (this.#inHost) {
      return Promise.reject(new IsowasmError('REENTRANCE', 'a host function called into the instance while the instance was calling that host function; a component instance can\'t be re-entered (call it after the current call returns)'));
    }
    const p = this.#queue.then(() => this.#send(op));
    this.#calls++;
    // counted down before the caller hears of the result (this reaction comes first)
    const settled = (): void => { this.#calls--; };
    this.#queue = p.then(settled, settled);
    return p;
  }

  #send(op: CallOp): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#dead);
    // tokens are made when the call is sent: the arguments keep their proxies alive until then
    const args = op.args.map((v) => this.#out(v));
    const sent: CallOp = op.k === 'method' ? { ...op, self: this.#out(op.self), args } : { ...op, args };
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => clearTimeout(timer);
      this.#pending.set(seq, { resolve: (v) => { done(); resolve(v); }, reject: (e) => { done(); reject(e); } });
      if (this.backstopMs !== null) {
        const ms = this.backstopMs;
        timer = setTimeout(() => this.terminate(new IsowasmError('TIMEOUT', `a call into the instance did not end within ${ms} ms, twice its limits.timeoutMs and a second more, so its worker was terminated; the instance can't be used again`)), ms);
      }
      this.#activity();
      this.#post({ t: 'call', seq, op: sent });
    });
  }

  #onReturn(m: Extract<ToParent, { t: 'return' }>): void {
    const p = this.#pending.get(m.seq);
    if (!p) return;
    this.#pending.delete(m.seq);
    let value: unknown;
    try {
      if (!m.ok) throw errorIn(m.error!, (v) => this.#in(v));
      value = this.#in(m.value);
    } catch (e) {
      this.#activity();
      p.reject(e);
      return;
    }
    void (async () => {
      for (const hook of this.#afterCall) await hook();
    })().then(() => p.resolve(value), (e: unknown) => p.reject(e)).finally(() => this.#activity());
  }

  #dispose(proxy: object): void {
    const id = (proxy as Record<symbol, unknown>)[this.#gid];
    if (typeof id !== 'number') throw new TypeError('expected a resource object of this instance');
    this.#queue = this.#queue.then(() => this.#post({ t: 'dispose', self: { $g: id } }));
  }

  // --- values ----------------------------------------------------------------------------------

  #hostToken(v: object, c: number): { $h: number; c: number } {
    return { $h: this.#hosts.lend(v), c };
  }

  #classByProto(v: object): number {
    for (let p = Object.getPrototypeOf(v) as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
      const c = this.#byProto.get(p);
      if (c !== undefined) return c;
    }
    return -1;
  }

  /** Outgoing values whose type is not known here (export arguments, thrown values). */
  #out(v: unknown, depth = 0): unknown {
    if (typeof v === 'function') throw new TypeError('a function can\'t be passed to a component');
    if (typeof v !== 'object' || v === null) return v;
    if (depth > 10_000) throw new RangeError('the value is nested too deeply');
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    const gid = (v as Record<symbol, unknown>)[this.#gid];
    if (typeof gid === 'number') return { $g: gid };
    if (Array.isArray(v)) return v.map((x) => this.#out(x, depth + 1));
    if (isPlainObject(v)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v)) o[k] = this.#out((v as Record<string, unknown>)[k], depth + 1);
      return o;
    }
    return this.#hostToken(v, this.#classByProto(v));
  }

  /** Outgoing results of host functions, by their type: resources become tokens of the right class. */
  #outTyped(t: ValType | null, v: unknown): unknown {
    if (t === null || !hasResources(t) || typeof v !== 'object' || v === null) {
      return t !== null && (t.kind === 'own' || t.kind === 'borrow') ? this.#resource(t.resource, v) : v;
    }
    switch (t.kind) {
      case 'own': case 'borrow': return this.#resource(t.resource, v);
      case 'list': return Array.isArray(v) ? v.map((x) => this.#outTyped(t.elem, x)) : v;
      case 'tuple': return Array.isArray(v) ? t.types.map((x, i) => this.#outTyped(x, v[i])) : v;
      case 'record': {
        const o: Record<string, unknown> = {};
        for (const f of t.fields) o[f.key] = this.#outTyped(f.type, (v as Record<string, unknown>)[f.key]);
        return o;
      }
      case 'variant': {
        const c = t.cases.find((x) => x.name === (v as { tag?: unknown }).tag);
        return c ? { tag: c.name, val: this.#outTyped(c.type, (v as { val?: unknown }).val) } : v;
      }
      case 'option':
        if (t.type.kind === 'option') {
          const tag = (v as { tag?: unknown }).tag;
          return tag === 'some' ? { tag, val: this.#outTyped(t.type, (v as { val?: unknown }).val) } : v;
        }
        return this.#outTyped(t.type, v);
      case 'result': {
        const tag = (v as { tag?: unknown }).tag;
        if (tag !== 'ok' && tag !== 'err') return v;
        return { tag, val: this.#outTyped(tag === 'ok' ? t.ok : t.err, (v as { val?: unknown }).val) };
      }
      default: return v;
    }
  }

  #resource(rt: ResourceType, v: unknown): unknown {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return v;
    const gid = (v as Record<symbol, unknown>)[this.#gid];
    if (typeof gid === 'number') return { $g: gid };
    return this.#hostToken(v, this.#classIndex.get(rt) ?? -1);
  }

  /** Incoming values (fresh copies): tokens become the objects they stand for, in place. */
  #in(v: unknown): unknown {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.#in(v[i]);
      return v;
    }
    if (isHostToken(v)) {
      const obj = this.#hosts.get(v.$h);
      if (!obj) throw new IsowasmError('INTERNAL', `the worker used host object ${v.$h}, which it released`);
      return obj;
    }
    if (isGuestToken(v)) return this.#guestProxy(v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = this.#in(o[k]);
    return o;
  }

  // --- the worker ------------------------------------------------------------------------------

  /** Starts the worker and resolves with the shape of the instance's exports. */
  start(init: ToWorker): Promise<ExportNode> {
    return new Promise<ExportNode>((resolve, reject) => {
      this.#ready = { resolve: resolve as (v: unknown) => void, reject };
      try {
        this.#worker = this.#platform.spawn({ message: (d) => this.#onMessage(d as ToParent), failed: (e) => this.#failed(e) });
      } catch (e) {
        this.#ready = null;
        reject(new IsowasmError('UNSUPPORTED', `could not start a worker on ${this.#platform.name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
        return;
      }
      this.#activity();
      this.#post(init);
    }).finally(() => this.#activity());
  }

  #onMessage(m: ToParent): void {
    switch (m.t) {
      case 'host': void this.#serveHost(m); break;
      case 'return': this.#onReturn(m); break;
      case 'ready': {
        const r = this.#ready;
        this.#ready = null;
        r?.resolve(m.exports);
        break;
      }
      case 'failed': {
        const r = this.#ready;
        this.#ready = null;
        this.terminate(null);
        r?.reject(errorIn(m.error, (v) => this.#in(v)));
        break;
      }
      case 'dispose': {
        const obj = this.#hosts.get(m.id) as Record<symbol, unknown> | undefined;
        const dispose = obj?.[symbolDispose];
        if (typeof dispose === 'function') {
          try {
            dispose.call(obj);
          } catch (e) {
            console.warn(`isowasm: disposing of a host resource the guest dropped failed: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        break;
      }
      case 'release': this.#hosts.release(m.list); break;
    }
  }

  #failed(e: Error): void {
    if (this.#dead) return;
    const err = new IsowasmError('TRAP', `the worker running the instance failed: ${e.message}`, { cause: e });
    const r = this.#ready;
    this.#ready = null;
    this.terminate(err);
    r?.reject(err);
  }

  /** Stops the worker; calls in flight and later calls reject with `reason`. */
  terminate(reason: Error | null): void {
    if (this.#dead) return;
    this.#dead = reason ?? new IsowasmError('INSTANCE_POISONED', 'the instance is gone');
    this.#worker?.terminate();
    for (const p of this.#pending.values()) p.reject(this.#dead);
    this.#pending.clear();
    this.#keep = null;
    this.#worker?.hold(false);
    orphans.unregister(this);
  }

  #post(m: ToWorker): void {
    if (!this.#dead) this.#worker?.post(m);
  }

  /** Keeps the process (Node) and the instance alive while calls are in flight. */
  #activity(): void {
    const busy = this.#pending.size > 0 || this.#ready !== null;
    this.#keep = busy ? this.#life?.deref() ?? null : null;
    if (!this.#dead) this.#worker?.hold(busy);
  }
}

const resourceful = new WeakMap<ValType, boolean>();

/** Whether values of `t` can hold resources (only those need walking). */
function hasResources(t: ValType | null): boolean {
  if (t === null) return false;
  const known = resourceful.get(t);
  if (known !== undefined) return known;
  let r: boolean;
  switch (t.kind) {
    case 'own': case 'borrow': r = true; break;
    case 'list': r = hasResources(t.elem); break;
    case 'tuple': r = t.types.some(hasResources); break;
    case 'record': r = t.fields.some((f) => hasResources(f.type)); break;
    case 'variant': r = t.cases.some((c) => hasResources(c.type)); break;
    case 'option': r = hasResources(t.type); break;
    case 'result': r = hasResources(t.ok) || hasResources(t.err); break;
    default: r = false;
  }
  resourceful.set(t, r);
  return r;
}
