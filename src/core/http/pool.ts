/**
 * The instances that serve requests. By default each request gets a fresh instance (the
 * isolation Spin gives WASI 0.2 handlers, and what componentize-js fetch-event guests need: they
 * answer one request per instance); `reset` gives each request a pristine instance at a fraction
 * of the cost, by resetting the one that served the request before; `reuse` lets one instance
 * serve several requests in turn, kept idle for `idleMs` between them. An instance whose request
 * failed is never reused.
 */

/** What the pool needs of an instance. */
export interface PooledInstance {
  readonly exports: Record<string, any>;
  terminate(): Promise<void>;
  /** puts the instance back as it was made (`instance.reset()`; only for resettable instances) */
  reset?(): Promise<void>;
}

/**
 * The instance policy of `createFetchHandler` (`options.instances`).
 *
 * @example
 * ```ts
 * createFetchHandler(component, { instances: { reuse: 100, max: 8, idleMs: 30_000 } });
 * ```
 */
export interface InstancePolicy {
  /**
   * Each request gets an instance as it was right after instantiation, as with a fresh one, but
   * the instance that served a request is reset (`instance.reset()`) and kept, which costs a
   * fraction of a new instance (default false). Where the component can't be reset (see
   * `InstantiateOptions.resettable`) each request gets a fresh instance,
   * and a warning (console.warn) says why, once. An instance whose request failed is ended, not reset.
   */
  readonly reset?: boolean;
  /**
   * How many requests one instance serves before it is dropped (default 1: a fresh instance per
   * request, or with `reset`, Infinity; `Infinity`: no bound). Without `reset`, the requests an
   * instance serves in turn see each other's state.
   */
  readonly reuse?: number;
  /** Requests one instance takes at once. WASI 0.2 handlers run one request to its end, so 1 (the default) is the only value today. */
  readonly concurrency?: number;
  /** How long an idle instance is kept for the next request (default 30 000 ms; only with `reuse` > 1). */
  readonly idleMs?: number;
  /** How many instances may live at once, spares included (default: `maxConcurrentRequests`); more requests wait for one. */
  readonly max?: number;
  /**
   * How many fresh instances to keep ready (default 0; `serve` uses 1): made in the background
   * once requests come, so a request does not wait for an instantiation (tens of milliseconds for
   * a 12 MB JavaScript guest). Each spare is a fresh instance, never one that served a request.
   */
  readonly warm?: number;
}

interface Slot {
  readonly instance: PooledInstance;
  uses: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Keeps a timer from holding a Node process open (elsewhere timers have no `unref`). */
function unref(t: ReturnType<typeof setTimeout>): void {
  (t as unknown as { unref?: () => void }).unref?.();
}

function positive(v: unknown, name: string, integer: boolean): number {
  if (typeof v !== 'number' || !(v > 0) || (integer && v !== Infinity && !Number.isInteger(v))) {
    throw new TypeError(`createFetchHandler: ${name} must be a positive ${integer ? 'integer (or Infinity)' : 'number'}, got ${String(v)}`);
  }
  return v;
}

/**
 * A pool of instances made by `create`, handed out one request at a time.
 *
 * @example
 * ```ts
 * const pool = new InstancePool(() => component.instantiate(options), { reuse: 10 }, 64);
 * const slot = await pool.acquire();
 * pool.release(slot, true);
 * ```
 */
export class InstancePool {
  readonly #create: () => Promise<PooledInstance>;
  readonly #reuse: number;
  readonly #idleMs: number;
  readonly #max: number;
  readonly #warm: number;
  /** with `reset`: whether an instance can be reset (null: instances are not reset) */
  readonly #resettable: ((instance: PooledInstance) => boolean) | null;
  #idle: Slot[] = [];
  /** fresh instances made ahead of requests */
  #ready: Slot[] = [];
  #making = 0;
  #live = 0;
  /**
   * requests waiting, first come first served: each is handed a released or new spare instance
   * directly (null: capacity freed, try again), so that a request arriving meanwhile can't take
   * it first and leave a waiter behind again and again (p99 latency of a busy pool)
   */
  #waiting: ((slot: Slot | null) => void)[] = [];
  #closed = false;

  /**
   * @param resettable with `policy.reset`: whether an instance `create` made can be reset (the
   * others serve one request each)
   */
  constructor(create: () => Promise<PooledInstance>, policy: InstancePolicy, defaultMax: number, resettable: ((instance: PooledInstance) => boolean) | null = null) {
    this.#create = create;
    if (policy.reset !== undefined && typeof policy.reset !== 'boolean') throw new TypeError('createFetchHandler: instances.reset must be a boolean');
    this.#resettable = policy.reset === true ? resettable ?? ((i) => typeof i.reset === 'function') : null;
    this.#reuse = policy.reuse === undefined ? (this.#resettable ? Infinity : 1) : positive(policy.reuse, 'instances.reuse', true);
    this.#idleMs = policy.idleMs === undefined ? 30_000 : positive(policy.idleMs, 'instances.idleMs', false);
    this.#max = policy.max === undefined ? defaultMax : positive(policy.max, 'instances.max', true);
    this.#warm = policy.warm === undefined ? 0 : policy.warm === 0 ? 0 : positive(policy.warm, 'instances.warm', true);
    if (policy.concurrency !== undefined && policy.concurrency !== 1) {
      throw new TypeError('createFetchHandler: instances.concurrency must be 1: a WASI 0.2 handler serves one request to its end (use instances.max for more at once)');
    }
  }

  /** Instances alive now (busy and idle). */
  get live(): number {
    return this.#live;
  }

  /** An instance for one request: an idle one, a new one, or the next one released. */
  async acquire(): Promise<Slot> {
    for (;;) {
      if (this.#closed) throw new TypeError('the fetch handler was closed');
      const idle = this.#idle.pop();
      if (idle) {
        clearTimeout(idle.timer);
        idle.timer = undefined;
        return idle;
      }
      const ready = this.#ready.shift();
      // the next spare is made after this request (release), not during it: instantiation is this thread's work
      if (ready) return ready;
      // a spare on its way comes sooner than a new instance (instantiation is this thread's work either way)
      if (this.#making === 0 && this.#live < this.#max) {
        this.#live++;
        this.#refillLater();
        try {
          return { instance: await this.#create(), uses: 0, timer: undefined };
        } catch (e) {
          this.#live--;
          this.#wakeOne();
          throw e;
        }
      }
      const handed = await new Promise<Slot | null>((resolve) => this.#waiting.push(resolve));
      if (handed) return handed;
    }
  }

  /** Gives an instance back: kept for the next request if it is healthy and has uses left, else ended. */
  release(slot: Slot, healthy: boolean): void {
    slot.uses++;
    this.#refillLater();
    if (healthy && !this.#closed && slot.uses < this.#reuse) {
      if (this.#resettable) {
        if (!this.#resettable(slot.instance)) {
          // no reset for this one: a fresh instance per request, as without reset
          this.#end(slot);
          return;
        }
        // pristine again before anyone gets it; one whose reset fails (it was terminated) is ended,
        // and the next request gets a fresh instance
        slot.instance.reset!().then(() => this.#keep(slot), () => this.#end(slot));
        return;
      }
      this.#keep(slot);
      return;
    }
    this.#end(slot);
  }

  /** Keeps an instance for the next request: to the longest waiter, or idle for `idleMs`. */
  #keep(slot: Slot): void {
    if (this.#closed) {
      this.#end(slot);
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter(slot);
      return;
    }
    slot.timer = setTimeout(() => {
      const at = this.#idle.indexOf(slot);
      if (at >= 0) {
        this.#idle.splice(at, 1);
        this.#end(slot);
      }
    }, this.#idleMs);
    unref(slot.timer);
    this.#idle.push(slot);
  }

  /** Returns an instance no request used (its request gave up waiting): to a waiter, or ready as a fresh spare. */
  giveBack(slot: Slot): void {
    if (slot.uses > 0 || this.#closed) {
      this.release(slot, true);
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter) waiter(slot);
    else this.#ready.push(slot);
  }

  /** Makes spares in a later task, once the response in hand has gone on its way. */
  #refillLater(): void {
    if (this.#warm === 0) return;
    unref(setTimeout(() => this.#refill(), 0));
  }

  /** Starts making spares until `warm` are ready or being made. */
  #refill(): void {
    while (!this.#closed && this.#ready.length + this.#making < this.#warm && this.#live < this.#max) {
      // a request's own instantiation reports the error; a spare that fails is not retried until then
      this.#makeSpare().catch(() => {});
    }
  }

  /** Makes one spare; rejects if the instantiation fails. */
  #makeSpare(): Promise<void> {
    this.#live++;
    this.#making++;
    return this.#create().then((instance) => {
      this.#making--;
      const slot: Slot = { instance, uses: 0, timer: undefined };
      if (this.#closed) this.#end(slot);
      else {
        const waiter = this.#waiting.shift();
        if (waiter) waiter(slot);
        else this.#ready.push(slot);
      }
    }, (e: unknown) => {
      this.#making--;
      this.#live--;
      this.#wakeOne();
      throw e;
    });
  }

  /**
   * Does now what the first request would wait for: makes the `warm` spares, or, with none, one
   * instance (then ended), so the component's compiled variant for these limits exists. Rejects
   * with the instantiation's error.
   */
  async warmUp(): Promise<void> {
    if (this.#closed) return;
    if (this.#warm === 0) {
      await (await this.#create()).terminate();
      return;
    }
    const made: Promise<void>[] = [];
    while (this.#ready.length + this.#making < this.#warm && this.#live < this.#max) made.push(this.#makeSpare());
    await Promise.all(made);
  }

  /** Ends the idle instances and refuses new requests; busy ones end when released. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#ready.splice(0)) this.#end(slot);
    for (const slot of this.#idle.splice(0)) {
      clearTimeout(slot.timer);
      this.#end(slot);
    }
    for (const w of this.#waiting.splice(0)) w(null);
  }

  #end(slot: Slot): void {
    this.#live--;
    void slot.instance.terminate().catch(() => {});
    this.#serveWaiter();
  }

  /**
   * Capacity was freed: the longest waiter gets the new instance made in its place (a request
   * arriving meanwhile finds the pool full and queues behind it). If making it fails, the waiter
   * tries again itself, and so receives the error.
   */
  #serveWaiter(): void {
    if (this.#closed || this.#waiting.length === 0 || this.#live >= this.#max) return;
    const waiter = this.#waiting.shift()!;
    const ready = this.#ready.shift();
    if (ready) {
      waiter(ready);
      return;
    }
    this.#live++;
    this.#create().then((instance) => waiter({ instance, uses: 0, timer: undefined }), () => {
      this.#live--;
      waiter(null);
    });
  }

  #wakeOne(): void {
    this.#waiting.shift()?.(null);
  }
}
