/**
 * An in-memory volume: a tree of directories, files and symbolic links held in JS objects. It
 * backs `createMemoryVolume()` in every environment, and the IndexedDB volume serves from one
 * (it watches the changes to persist them).
 */
import { VolumeError, type Volume, type VolumeDirEntry, type VolumePath, type VolumeStat, type VolumeTimeUpdate, type VolumeWalk } from '../volume.js';

/**
 * One object of a memory volume. Fields are the volume's own: change them only through it.
 *
 * @example
 * ```ts
 * const root: MemoryNode = new MemoryVolume().root; // root.entries: name -> MemoryNode
 * ```
 */
export interface MemoryNode {
  readonly id: number;
  readonly type: 'directory' | 'regular-file' | 'symbolic-link';
  /** a regular file's bytes (the first `size` are its content; the rest is spare capacity) */
  data: Uint8Array;
  size: number;
  /** a directory's entries */
  readonly entries: Map<string, MemoryNode>;
  /** a symbolic link's target text */
  target: string;
  accessTime: bigint;
  modificationTime: bigint;
  statusChangeTime: bigint;
  /** directory entries that name this object (hard links) */
  links: number;
}

/**
 * Told about every change, so that a persistent volume can write exactly what changed.
 *
 * @example
 * ```ts
 * const dirty = new Set<number>();
 * volume.observe({ changed: (n) => dirty.add(n.id), removed: (n) => dirty.delete(n.id) });
 * ```
 */
export interface MemoryChangeObserver {
  /** `node`'s content or metadata changed (or it was created) */
  changed(node: MemoryNode): void;
  /** `node` is no longer reachable from the root */
  removed(node: MemoryNode): void;
}

/**
 * Options of `createMemoryVolume`.
 *
 * @example
 * ```ts
 * createMemoryVolume({ 'config.json': '{}' }, { readOnly: true, maxFileSize: 1 << 20 });
 * ```
 */
export interface MemoryVolumeOptions {
  /** refuse every mutation (`read-only`); the initial files are still created */
  readonly readOnly?: boolean;
  /**
   * The largest a file may grow, in bytes (default 256 MiB): a guest writing at a huge offset
   * gets `file-too-large` instead of exhausting the host's memory.
   */
  readonly maxFileSize?: number;
}

const DEFAULT_MAX_FILE_SIZE = 256 * 1024 * 1024;
const utf8 = new TextEncoder();

/**
 * The wall clock in nanoseconds, with the sub-millisecond part `performance` offers.
 *
 * @example
 * ```ts
 * node.modificationTime = nowNs();
 * ```
 */
export function nowNs(): bigint {
  const ms = typeof performance !== 'undefined' ? performance.timeOrigin + performance.now() : Date.now();
  return BigInt(Math.round(ms * 1e6));
}

function checkName(name: unknown): string {
  // the host hands us normalised paths; refusing anything else keeps a buggy caller confined
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new VolumeError('invalid', `not a normalised path segment: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * The memory volume's implementation, exported for volumes built on it (the IndexedDB volume).
 * Use `createMemoryVolume()` to make one.
 *
 * @example
 * ```ts
 * class MyPersistentVolume extends MemoryVolume { override readonly async = true; flush() { ... } }
 * ```
 */
export class MemoryVolume implements Volume {
  readonly readOnly: boolean;
  readonly async: boolean = false;
  readonly root: MemoryNode;
  readonly #maxFileSize: number;
  #nextId: number;
  #observer: MemoryChangeObserver | null = null;

  constructor(options: MemoryVolumeOptions & { root?: MemoryNode; nextId?: number } = {}) {
    this.readOnly = options.readOnly ?? false;
    const max = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    if (!Number.isSafeInteger(max) || max < 0) throw new TypeError('maxFileSize must be a non-negative integer');
    this.#maxFileSize = max;
    this.#nextId = options.nextId ?? 1;
    this.root = options.root ?? this.newNode('directory');
    this.root.links = 1;
  }

  /** Starts telling `observer` about every change (one observer at a time). */
  observe(observer: MemoryChangeObserver | null): void {
    this.#observer = observer;
  }

  /** Creates a detached node (used to build trees, e.g. when loading a persisted volume). */
  newNode(type: MemoryNode['type'], id?: number): MemoryNode {
    const t = nowNs();
    const nodeId = id ?? this.#nextId++;
    if (nodeId >= this.#nextId) this.#nextId = nodeId + 1;
    return { id: nodeId, type, data: new Uint8Array(0), size: 0, entries: new Map(), target: '', accessTime: t, modificationTime: t, statusChangeTime: t, links: 0 };
  }

  #changed(n: MemoryNode): void {
    this.#observer?.changed(n);
  }

  #mutable(): void {
    if (this.readOnly) throw new VolumeError('read-only', 'the volume is read-only');
  }

  /** The node at `path`; every intermediate must be a real directory (never a symbolic link). */
  #node(path: VolumePath): MemoryNode {
    let n = this.root;
    for (let i = 0; i < path.length; i++) {
      if (n.type === 'symbolic-link') throw new VolumeError('not-permitted', 'a path goes through a symbolic link, which volumes never follow', { confinement: true });
      if (n.type !== 'directory') throw new VolumeError('not-directory');
      const next = n.entries.get(checkName(path[i]));
      if (!next) throw new VolumeError('no-entry');
      n = next;
    }
    return n;
  }

  /** The directory holding the last segment of `path`, and that segment. */
  #parent(path: VolumePath): { dir: MemoryNode; name: string } {
    if (path.length === 0) throw new VolumeError('busy', 'the root can\'t be replaced or removed');
    const dir = this.#node(path.slice(0, -1));
    if (dir.type === 'symbolic-link') throw new VolumeError('not-permitted', 'a path goes through a symbolic link, which volumes never follow', { confinement: true });
    if (dir.type !== 'directory') throw new VolumeError('not-directory');
    return { dir, name: checkName(path[path.length - 1]) };
  }

  #file(path: VolumePath): MemoryNode {
    const n = this.#node(path);
    if (n.type === 'directory') throw new VolumeError('is-directory');
    if (n.type === 'symbolic-link') throw new VolumeError('loop', 'a symbolic link is not followed');
    return n;
  }

  #touchDir(dir: MemoryNode): void {
    const t = nowNs();
    dir.modificationTime = t;
    dir.statusChangeTime = t;
    this.#changed(dir);
  }

  #unref(n: MemoryNode): void {
    n.links--;
    n.statusChangeTime = nowNs();
    if (n.links <= 0) this.#observer?.removed(n);
    else this.#changed(n);
  }

  #add(path: VolumePath, node: MemoryNode): void {
    const { dir, name } = this.#parent(path);
    if (dir.entries.has(name)) throw new VolumeError('exist');
    dir.entries.set(name, node);
    node.links++;
    this.#touchDir(dir);
    this.#changed(node);
  }

  lstat(path: VolumePath): VolumeStat {
    const n = this.#node(path);
    let subdirs = 0;
    if (n.type === 'directory') for (const c of n.entries.values()) if (c.type === 'directory') subdirs++;
    return {
      type: n.type,
      size: n.type === 'regular-file' ? n.size : n.type === 'symbolic-link' ? utf8.encode(n.target).length : 0,
      linkCount: n.type === 'directory' ? 2 + subdirs : n.links,
      accessTime: n.accessTime,
      modificationTime: n.modificationTime,
      statusChangeTime: n.statusChangeTime,
      id: String(n.id),
    };
  }

  walk(path: VolumePath): VolumeWalk {
    const start = this.#node(path);
    if (start.type !== 'directory') throw new VolumeError(start.type === 'symbolic-link' ? 'not-permitted' : 'not-directory');
    // the directories entered, so that each step is one lookup however deep the walk is
    const dirs = [start];
    const here = (): MemoryNode => dirs[dirs.length - 1]!;
    return {
      type: (name) => here().entries.get(checkName(name))?.type ?? null,
      enter: (name) => {
        const n = here().entries.get(checkName(name));
        if (!n) throw new VolumeError('no-entry');
        if (n.type === 'symbolic-link') throw new VolumeError('not-permitted', 'a path goes through a symbolic link, which volumes never follow', { confinement: true });
        if (n.type !== 'directory') throw new VolumeError('not-directory');
        dirs.push(n);
      },
      leave: () => {
        if (dirs.length <= 1) throw new VolumeError('invalid', 'a walk may not leave the directory it began at');
        dirs.pop();
      },
      close: () => {},
    };
  }

  read(path: VolumePath, offset: number, length: number): Uint8Array {
    const n = this.#file(path);
    if (offset >= n.size || length <= 0) return new Uint8Array(0);
    return n.data.slice(offset, Math.min(n.size, offset + length));
  }

  #resize(n: MemoryNode, size: number): void {
    if (size > this.#maxFileSize) throw new VolumeError('file-too-large', `files on this volume may hold at most ${this.#maxFileSize} bytes`);
    if (size > n.data.length) {
      // grow geometrically so that appending in small writes stays linear
      const cap = Math.min(this.#maxFileSize, Math.max(size, n.data.length * 2, 64));
      const bigger = new Uint8Array(cap);
      bigger.set(n.data.subarray(0, n.size));
      n.data = bigger;
    } else if (size < n.size) {
      // zero what is cut off, so that growing the file again reads zeros there
      n.data.fill(0, size, n.size);
    }
    n.size = size;
  }

  write(path: VolumePath, offset: number, data: Uint8Array): void {
    this.#mutable();
    const n = this.#file(path);
    const end = offset + data.length;
    if (end > n.size) this.#resize(n, end);
    n.data.set(data, offset);
    const t = nowNs();
    n.modificationTime = t;
    n.statusChangeTime = t;
    this.#changed(n);
  }

  createFile(path: VolumePath): void {
    this.#mutable();
    this.#add(path, this.newNode('regular-file'));
  }

  truncate(path: VolumePath, size: number): void {
    this.#mutable();
    const n = this.#file(path);
    this.#resize(n, size);
    const t = nowNs();
    n.modificationTime = t;
    n.statusChangeTime = t;
    this.#changed(n);
  }

  readdir(path: VolumePath): VolumeDirEntry[] {
    const n = this.#node(path);
    if (n.type !== 'directory') throw new VolumeError('not-directory');
    return [...n.entries].map(([name, c]) => ({ name, type: c.type }));
  }

  mkdir(path: VolumePath): void {
    this.#mutable();
    this.#add(path, this.newNode('directory'));
  }

  rmdir(path: VolumePath): void {
    this.#mutable();
    const { dir, name } = this.#parent(path);
    const n = dir.entries.get(name);
    if (!n) throw new VolumeError('no-entry');
    if (n.type !== 'directory') throw new VolumeError('not-directory');
    if (n.entries.size > 0) throw new VolumeError('not-empty');
    dir.entries.delete(name);
    this.#touchDir(dir);
    this.#unref(n);
  }

  unlink(path: VolumePath): void {
    this.#mutable();
    const { dir, name } = this.#parent(path);
    const n = dir.entries.get(name);
    if (!n) throw new VolumeError('no-entry');
    if (n.type === 'directory') throw new VolumeError('is-directory');
    dir.entries.delete(name);
    this.#touchDir(dir);
    this.#unref(n);
  }

  rename(from: VolumePath, to: VolumePath): void {
    this.#mutable();
    const src = this.#parent(from);
    const node = src.dir.entries.get(src.name);
    if (!node) throw new VolumeError('no-entry');
    const dst = this.#parent(to);
    const existing = dst.dir.entries.get(dst.name);
    if (existing === node) return;
    if (node.type === 'directory' && to.length > from.length && from.every((s, i) => to[i] === s)) {
      throw new VolumeError('invalid', 'a directory can\'t move into itself');
    }
    if (existing) {
      if (node.type === 'directory' && existing.type !== 'directory') throw new VolumeError('not-directory');
      if (node.type !== 'directory' && existing.type === 'directory') throw new VolumeError('is-directory');
      if (existing.type === 'directory' && existing.entries.size > 0) throw new VolumeError('not-empty');
    }
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    this.#touchDir(src.dir);
    if (dst.dir !== src.dir) this.#touchDir(dst.dir);
    node.statusChangeTime = nowNs();
    this.#changed(node);
    if (existing) this.#unref(existing);
  }

  setTimes(path: VolumePath, accessTime: VolumeTimeUpdate, modificationTime: VolumeTimeUpdate): void {
    this.#mutable();
    const n = this.#node(path);
    const t = nowNs();
    if (accessTime !== null) n.accessTime = accessTime === 'now' ? t : accessTime;
    if (modificationTime !== null) n.modificationTime = modificationTime === 'now' ? t : modificationTime;
    n.statusChangeTime = t;
    this.#changed(n);
  }

  symlink(target: string, path: VolumePath): void {
    this.#mutable();
    if (target.startsWith('/')) throw new VolumeError('not-permitted', 'symbolic links may not hold absolute paths', { confinement: true });
    const n = this.newNode('symbolic-link');
    n.target = target;
    this.#add(path, n);
  }

  readlink(path: VolumePath): string {
    const n = this.#node(path);
    if (n.type !== 'symbolic-link') throw new VolumeError('invalid', 'not a symbolic link');
    return n.target;
  }

  link(existing: VolumePath, path: VolumePath): void {
    this.#mutable();
    const n = this.#node(existing);
    if (n.type === 'directory') throw new VolumeError('not-permitted', 'directories can\'t be hard-linked');
    n.statusChangeTime = nowNs();
    this.#add(path, n);
  }

  /**
   * Adds a file or empty directory while building the initial tree (read-only volumes too):
   * `'a/b.txt'` creates `a` as needed; a path ending in `/` is a directory.
   */
  seed(path: string, content: string | Uint8Array | null): void {
    const segs = path.split('/').filter((s) => s !== '');
    if (segs.some((s) => s === '.' || s === '..')) throw new TypeError(`createMemoryVolume(): ${JSON.stringify(path)} must not contain . or .. segments`);
    const dirs = content === null ? segs : segs.slice(0, -1);
    let dir = this.root;
    for (const name of dirs) {
      let next = dir.entries.get(name);
      if (!next) {
        next = this.newNode('directory');
        next.links = 1;
        dir.entries.set(name, next);
      }
      if (next.type !== 'directory') throw new TypeError(`createMemoryVolume(): ${JSON.stringify(path)} goes through a file`);
      dir = next;
    }
    if (content === null) return;
    const name = segs[segs.length - 1];
    if (name === undefined) throw new TypeError('createMemoryVolume(): a file needs a name');
    if (dir.entries.has(name)) throw new TypeError(`createMemoryVolume(): ${JSON.stringify(path)} is given twice`);
    const f = this.newNode('regular-file');
    f.links = 1;
    const bytes = typeof content === 'string' ? utf8.encode(content) : content.slice();
    if (bytes.length > this.#maxFileSize) throw new TypeError(`createMemoryVolume(): ${JSON.stringify(path)} is larger than maxFileSize`);
    f.data = bytes;
    f.size = bytes.length;
    dir.entries.set(name, f);
  }
}

/**
 * A volume held in memory, for a preopen whose files live as long as the volume object does
 * (share the object between instances to share the files). Works in every environment.
 *
 * @param files initial content: path (relative to the volume root, `/`-separated) -> text or
 *   bytes; a path ending in `/` makes an empty directory
 *
 * @example
 * ```ts
 * import { createMemoryVolume, loadComponent } from 'isowasm';
 * const data = createMemoryVolume({ 'input.txt': 'hello', 'out/': null });
 * const { exports } = await component.instantiate({ capabilities: { fs: { preopens: { '/data': { volume: data } } } } });
 * await exports['wasi:cli/run'].run();
 * console.log(new TextDecoder().decode(data.read(['out', 'result.txt'], 0, 1 << 20)));
 * ```
 */
export function createMemoryVolume(files?: Readonly<Record<string, string | Uint8Array | null>>, options?: MemoryVolumeOptions): Volume {
  const volume = new MemoryVolume(options);
  for (const [path, content] of Object.entries(files ?? {})) {
    if (content !== null && typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new TypeError(`createMemoryVolume(): the content of ${JSON.stringify(path)} must be a string, a Uint8Array or null (a directory)`);
    }
    volume.seed(path, path.endsWith('/') ? null : content);
  }
  return volume;
}
