/**
 * Browser volumes: a volume persisted in IndexedDB (through idb-keyval) that survives page
 * reloads. It loads the whole tree into memory when created, serves the guest from memory
 * synchronously (WASI 0.2 calls are synchronous), and writes what changed to IndexedDB in one
 * transaction per flush. The host flushes after every call of an instance granted it (the
 * instance runs asynchronously for that), so what a call wrote is stored once the call's promise
 * resolves. Each object is one record, keyed by its id, so a flush writes only what changed.
 */
import { createStore, entries, promisifyRequest, type UseStore } from 'idb-keyval';
import { MemoryVolume, type MemoryChangeObserver, type MemoryNode, type MemoryVolumeOptions } from '../core/host/volumes/memory.js';
import type { Volume } from '../core/host/volume.js';

/** One object as stored: type, times, and a directory's entries, a file's bytes or a link's target. */
interface NodeRecord {
  readonly t: 'd' | 'f' | 'l';
  readonly a: bigint;
  readonly m: bigint;
  readonly c: bigint;
  readonly e?: readonly (readonly [string, number])[];
  readonly d?: Uint8Array;
  readonly l?: string;
}

const ROOT_ID = 1;
const TYPES = { d: 'directory', f: 'regular-file', l: 'symbolic-link' } as const;

function toRecord(n: MemoryNode): NodeRecord {
  const base = { a: n.accessTime, m: n.modificationTime, c: n.statusChangeTime };
  if (n.type === 'directory') return { t: 'd', ...base, e: [...n.entries].map(([name, c]) => [name, c.id] as const) };
  if (n.type === 'symbolic-link') return { t: 'l', ...base, l: n.target };
  // only the content: the spare capacity stays in memory
  return { t: 'f', ...base, d: n.data.slice(0, n.size) };
}

function isRecord(v: unknown): v is NodeRecord {
  const r = v as Partial<NodeRecord> | null;
  return typeof r === 'object' && r !== null && (r.t === 'd' || r.t === 'f' || r.t === 'l') && typeof r.m === 'bigint';
}

/** Rebuilds the tree from the stored records; returns the root, the next free id and the unreachable ids. */
function rebuild(records: ReadonlyMap<number, NodeRecord>): { root: MemoryNode; nextId: number; garbage: number[] } | null {
  const rootRecord = records.get(ROOT_ID);
  if (!rootRecord || rootRecord.t !== 'd') return null;
  const nodes = new Map<number, MemoryNode>();
  for (const [id, r] of records) {
    const data = r.t === 'f' && r.d instanceof Uint8Array ? r.d : new Uint8Array(0);
    nodes.set(id, {
      id, type: TYPES[r.t], data, size: data.length, entries: new Map(), target: r.t === 'l' ? String(r.l ?? '') : '',
      accessTime: r.a, modificationTime: r.m, statusChangeTime: r.c, links: 0,
    });
  }
  const reached = new Set<number>([ROOT_ID]);
  const walk = [ROOT_ID];
  while (walk.length > 0) {
    const id = walk.pop()!;
    const dir = nodes.get(id)!;
    for (const [name, childId] of records.get(id)?.e ?? []) {
      const child = nodes.get(childId);
      // a directory reached twice would make a cycle: keep only the first entry naming it
      if (!child || (child.type === 'directory' && reached.has(childId))) continue;
      dir.entries.set(name, child);
      child.links++;
      if (!reached.has(childId)) {
        reached.add(childId);
        if (child.type === 'directory') walk.push(childId);
      }
    }
  }
  const root = nodes.get(ROOT_ID)!;
  root.links = 1;
  const garbage = [...nodes.keys()].filter((id) => !reached.has(id));
  return { root, nextId: Math.max(...nodes.keys()) + 1, garbage };
}

/**
 * Options of `createIndexedDbVolume` (those of the memory volume it serves from).
 *
 * @example
 * ```ts
 * await createIndexedDbVolume('notes', { readOnly: true });
 * ```
 */
export type IndexedDbVolumeOptions = MemoryVolumeOptions;

/**
 * A volume persisted in IndexedDB.
 *
 * @example
 * ```ts
 * const notes: IndexedDbVolume = await createIndexedDbVolume('notes');
 * notes.mkdir(['drafts']);
 * await notes.flush(); // written outside a guest call: store it now
 * ```
 */
export interface IndexedDbVolume extends Volume {
  readonly async: true;
  /** the name it was opened with */
  readonly name: string;
  /** Writes what changed since the last flush; resolves once IndexedDB has committed it. */
  flush(): Promise<void>;
}

class IdbVolume extends MemoryVolume implements IndexedDbVolume, MemoryChangeObserver {
  override readonly async = true as const;
  readonly name: string;
  readonly #store: UseStore;
  readonly #dirty = new Map<number, MemoryNode>();
  readonly #removed = new Set<number>();
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(name: string, store: UseStore, options: MemoryVolumeOptions & { root?: MemoryNode; nextId?: number }, garbage: readonly number[]) {
    super(options);
    this.name = name;
    this.#store = store;
    for (const id of garbage) this.#removed.add(id);
    this.observe(this);
  }

  changed(node: MemoryNode): void {
    this.#dirty.set(node.id, node);
    this.#schedule();
  }

  removed(node: MemoryNode): void {
    this.#dirty.delete(node.id);
    this.#removed.add(node.id);
    this.#schedule();
  }

  /**
   * Flushes soon on its own too, so that changes made outside a call (or by a call that ended
   * the instance, which skips the after-call flush) are not left only in memory.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.flush().catch(() => { /* kept dirty: the next flush retries, and reports */ });
    }, 0);
  }

  flush(): Promise<void> {
    const next = this.#chain.then(() => this.#write());
    // one failed flush must not fail every later one
    this.#chain = next.catch(() => {});
    return next;
  }

  async #write(): Promise<void> {
    if (this.#dirty.size === 0 && this.#removed.size === 0) return;
    const nodes = [...this.#dirty.values()];
    const puts = nodes.map((n) => [n.id, toRecord(n)] as const);
    const dels = [...this.#removed];
    this.#dirty.clear();
    this.#removed.clear();
    try {
      await this.#store('readwrite', (s) => {
        for (const [id, r] of puts) s.put(r, id);
        for (const id of dels) s.delete(id);
        return promisifyRequest(s.transaction);
      });
    } catch (e) {
      // nothing was committed (one transaction): it is all still to write, unless removed since
      for (const n of nodes) if (!this.#removed.has(n.id)) this.#dirty.set(n.id, n);
      for (const id of dels) if (!this.#dirty.has(id)) this.#removed.add(id);
      throw e;
    }
  }
}

/**
 * Opens (or creates) a volume persisted in IndexedDB under `name` (database
 * `isowasm-volume:<name>`): what guests write survives page reloads and browser restarts. Open
 * one volume object per name in a page and share it between instances; instances granted it
 * run asynchronously (JSPI), and each call's writes are committed before its promise resolves.
 *
 * @example
 * ```ts
 * import { createIndexedDbVolume, loadComponent } from 'isowasm';
 * const notes = await createIndexedDbVolume('notes');
 * const { exports } = await component.instantiate({ capabilities: { fs: { preopens: { '/notes': { volume: notes } } } } });
 * await exports['wasi:cli/run'].run(); // what it wrote to /notes is in IndexedDB now
 * ```
 */
export async function createIndexedDbVolume(name: string, options: IndexedDbVolumeOptions = {}): Promise<IndexedDbVolume> {
  if (typeof name !== 'string' || name === '') throw new TypeError('createIndexedDbVolume(name): name must be a non-empty string');
  if (typeof indexedDB === 'undefined') throw new TypeError('createIndexedDbVolume(): this environment has no IndexedDB; use createMemoryVolume()');
  const store = createStore(`isowasm-volume:${name}`, 'nodes');
  const records = new Map<number, NodeRecord>();
  for (const [key, value] of await entries<IDBValidKey, unknown>(store)) {
    if (typeof key === 'number' && isRecord(value)) records.set(key, value);
  }
  const tree = rebuild(records);
  if (!tree) {
    // a new volume (or one whose root is lost): start empty, and let the first flush store the root
    const v = new IdbVolume(name, store, { ...options }, [...records.keys()]);
    v.changed(v.root);
    return v;
  }
  return new IdbVolume(name, store, { ...options, root: tree.root, nextId: tree.nextId }, tree.garbage);
}
