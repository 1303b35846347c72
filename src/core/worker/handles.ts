/**
 * The two tables each side of the worker bridge keeps (see protocol.ts): the objects it lent to
 * the other side, and the proxies it made for the other side's objects.
 */

/**
 * Objects this side keeps for the other, by id, with how many tokens of each were sent. An entry
 * goes once the other side released as many tokens as were sent (its proxies were collected).
 */
export class Lent<T extends object> {
  readonly #byId = new Map<number, { obj: T; sent: number }>();
  readonly #ids = new Map<T, number>();
  #next = 1;

  /** The id to send for `obj` (the same while it is lent), counting one more token in flight. */
  lend(obj: T): number {
    let id = this.#ids.get(obj);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(obj, id);
      this.#byId.set(id, { obj, sent: 0 });
    }
    this.#byId.get(id)!.sent++;
    return id;
  }

  get(id: number): T | undefined {
    return this.#byId.get(id)?.obj;
  }

  /** `list`: pairs of (id, tokens the other side saw). */
  release(list: readonly number[]): void {
    for (let i = 0; i + 1 < list.length; i += 2) {
      const e = this.#byId.get(list[i]!);
      if (!e) continue;
      e.sent -= list[i + 1]!;
      if (e.sent <= 0) {
        this.#byId.delete(list[i]!);
        this.#ids.delete(e.obj);
      }
    }
  }

  /** Number of objects lent (for leak checks). */
  get size(): number {
    return this.#byId.size;
  }
}

interface Seen {
  readonly id: number;
  seen: number;
}

/**
 * Proxies for the other side's objects: one live proxy per id (identity survives round trips),
 * and when a proxy is garbage collected, `release` is told how many tokens it stood for.
 */
export class Proxies<P extends object> {
  readonly #live = new Map<number, { ref: WeakRef<P>; rec: Seen }>();
  readonly #registry: FinalizationRegistry<Seen>;
  #pending: number[] = [];

  constructor(release: (list: readonly number[]) => void) {
    this.#registry = new FinalizationRegistry((rec) => {
      const cur = this.#live.get(rec.id);
      if (cur && cur.rec === rec) this.#live.delete(rec.id);
      // collected proxies come in bursts: report them in one message
      if (this.#pending.length === 0) {
        queueMicrotask(() => {
          const list = this.#pending;
          this.#pending = [];
          release(list);
        });
      }
      this.#pending.push(rec.id, rec.seen);
    });
  }

  /** The live proxy for `id`, or a new one from `make`. */
  get(id: number, make: () => P): P {
    const cur = this.#live.get(id);
    const p = cur?.ref.deref();
    if (cur && p) {
      cur.rec.seen++;
      return p;
    }
    const fresh = make();
    const rec: Seen = { id, seen: 1 };
    this.#live.set(id, { ref: new WeakRef(fresh), rec });
    this.#registry.register(fresh, rec);
    return fresh;
  }
}
