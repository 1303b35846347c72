/**
 * Node volumes: a host directory, confined. The `wasi:filesystem` host resolves guest paths and
 * expands symbolic links itself; this volume is the second wall. It never lets the host follow a
 * link, and refuses regular files with more than one hard link (another link to the same file
 * may be outside the directory, and the guest would then read or change an outside file).
 *
 * Node has no `openat`, so a path handed to the host is walked again by the kernel, following
 * whatever links are on it *then*: a check of the path made before (by `realpath`, say) leaves a
 * gap in which another process can swap a checked directory for a link, and the act lands
 * outside. Two ways to close it, chosen once per volume:
 *
 * - **Linux (`/proc/self/fd`)**: every operation opens the directory it acts in (the parent of
 *   its object) by path, checks what the kernel says that open directory is (`readlink` of
 *   `/proc/self/fd/N`: exactly the expected path, so no link was on the way), and then acts
 *   through `/proc/self/fd/N/name`. The kernel resolves that magic link to the directory already
 *   open, not by walking its path again, so this is `openat` (`renameat`, `mkdirat`, ...) on a
 *   checked descriptor: no gap. What remains: the directory is acted in wherever it is at that
 *   moment, so a host process that moves a directory out of the root while an operation runs
 *   (microseconds) has it run there (guests can't: they only move things within their
 *   preopens); and the kernel may follow links while opening that directory, before the check
 *   refuses it, where nothing is done. Paths beyond the host's PATH_MAX are `name-too-long`.
 * - **Elsewhere (macOS, Windows, Linux without /proc)**: each operation checks its parent by
 *   `realpath`, acts on the path, then looks again and compares identities (`dev:ino`) with what
 *   it checked; reads, stats and opens are refused before anything is returned or used when the
 *   second look disagrees, and a rename, or a file, directory or link made, that did not land
 *   where it was checked is moved back or removed where the path then leads. And guests may not
 *   make links holding `..` there: a link that never climbs leads only below its own directory,
 *   wherever that moves, so no link a guest makes can lead a racing host outside. What remains,
 *   given a link leading outside that the host put in the directory (a guest may move the
 *   directory holding it): a process swapping it in during the microseconds between one call's
 *   check and its act can redirect that act, and only its result is checked: `unlink`, `rmdir`
 *   and `setTimes` are not undone, a rename may replace an outside file or, when the swap is
 *   undone before the second look, bring one in, a listing or a link's text may be read outside,
 *   and a file, directory or link made outside is only removed if the swap is still in place.
 *
 * Either way, keep untrusted host processes away from directories granted to guests, and host
 * programs from following links in directories guests write (see src/core/wasi/filesystem/paths.ts).
 */
import type { BigIntStats } from 'node:fs';
import { nodeFs } from './builtins.js';
import { resolve as resolvePath, sep } from 'node:path';
import {
  type FilesystemErrorCode, type Volume, type VolumeDirEntry, type VolumeEntryType, VolumeError,
  type VolumePath, type VolumeStat, type VolumeTimeUpdate, type VolumeWalk,
} from '../core/host/volume.js';

let cachedFlags: { readonly noFollow: number; readonly nonBlock: number; readonly dir: number } | null = null;
/** open(2) flags, read from node:fs when a volume first opens something */
function openFlags(): { readonly noFollow: number; readonly nonBlock: number; readonly dir: number } {
  if (!cachedFlags) {
    const { constants } = nodeFs();
    const noFollow = constants.O_NOFOLLOW ?? 0;
    // opening a FIFO that was swapped in for a file must not block the thread
    const nonBlock = constants.O_NONBLOCK ?? 0;
    cachedFlags = { noFollow, nonBlock, dir: constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | noFollow | nonBlock };
  }
  return cachedFlags;
}
const PROC_FD = '/proc/self/fd/';

const ERRNO: Readonly<Record<string, FilesystemErrorCode>> = {
  ENOENT: 'no-entry', EEXIST: 'exist', ENOTDIR: 'not-directory', EISDIR: 'is-directory', ENOTEMPTY: 'not-empty',
  EACCES: 'access', EPERM: 'not-permitted', EROFS: 'read-only', ELOOP: 'loop', ENAMETOOLONG: 'name-too-long',
  EXDEV: 'cross-device', EINVAL: 'invalid', EBUSY: 'busy', ENOSPC: 'insufficient-space', EDQUOT: 'quota',
  EFBIG: 'file-too-large', EMLINK: 'too-many-links', EBADF: 'bad-descriptor', EAGAIN: 'would-block',
  EWOULDBLOCK: 'would-block', EIO: 'io', ENOTSUP: 'unsupported', EOPNOTSUPP: 'unsupported', ENOSYS: 'unsupported',
  ETXTBSY: 'text-file-busy', ENXIO: 'no-such-device', ENODEV: 'no-device', EOVERFLOW: 'overflow',
  ENOMEM: 'insufficient-memory', EINTR: 'interrupted', EILSEQ: 'illegal-byte-sequence', EPIPE: 'pipe',
  ESPIPE: 'invalid-seek', EDEADLK: 'deadlock', ENOLCK: 'no-lock',
};

/** A host error as the guest sees it (its message, with the host path, stays on the host). */
function volumeError(e: unknown): VolumeError {
  if (e instanceof VolumeError) return e;
  const code = errno(e);
  return new VolumeError((code !== undefined && ERRNO[code]) || 'io', e instanceof Error ? e.message : String(e), { cause: e });
}

function errno(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A refusal that keeps the guest inside (reported as a denial). */
function confined(why: string): VolumeError {
  return new VolumeError('not-permitted', why, { confinement: true });
}

const THROUGH_LINK = 'a directory on the path is a symbolic link, which this volume never follows';
const MOVED = 'the directory changed while the volume acted in it (a link swapped in, or it moved)';

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): VolumeEntryType {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

function idOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}`;
}

function lstatOrNull(p: string): BigIntStats | null {
  return nodeFs().lstatSync(p, { bigint: true, throwIfNoEntry: false }) ?? null;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Refuses what is not one plain name on this host (the caller normalises; this is the backstop). */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new VolumeError('invalid', `not a normalised path segment: ${JSON.stringify(name)}`);
  }
  // on Windows these would name another file, a stream or a device
  if (process.platform === 'win32' && (/[\\:*?"<>|\u0000-\u001f]/.test(name) || /[. ]$/.test(name) || WINDOWS_RESERVED.test(name))) {
    throw new VolumeError('invalid', `${JSON.stringify(name)} is not a valid file name on this host`);
  }
  return name;
}

/** Whether the kernel names and reaches open directories through /proc/self/fd here (checked on `root`). */
function procFdWorks(root: string): boolean {
  if (process.platform !== 'linux') return false;
  let fd = -1;
  try {
    fd = nodeFs().openSync(root, openFlags().dir);
    return nodeFs().readlinkSync(PROC_FD + fd) === root && idOf(nodeFs().lstatSync(`${PROC_FD}${fd}/.`, { bigint: true })) === idOf(nodeFs().fstatSync(fd, { bigint: true }));
  } catch {
    return false;
  } finally {
    if (fd >= 0) nodeFs().closeSync(fd);
  }
}

/**
 * Options of `createDirectoryVolume`.
 *
 * @example
 * ```ts
 * createDirectoryVolume('./assets', { readOnly: true });
 * ```
 */
export interface DirectoryVolumeOptions {
  /** refuse every change (`read-only`) */
  readonly readOnly?: boolean;
}

/** @internal What tests may choose: the way of acting, and a hook run between checking and acting. */
export interface DirectoryVolumeTestOptions extends DirectoryVolumeOptions {
  /** false: the path-checking way even where /proc/self/fd works */
  readonly procFd?: boolean;
  /** runs after an operation checked its paths and before it acts (a racing process, made deterministic) */
  readonly beforeAct?: () => void;
}

/** Where an operation acts: a host path for its object, reached as checked. */
interface Place {
  /** the object's host path (through /proc/self/fd on Linux) */
  readonly path: string;
  readonly close: () => void;
}

class DirectoryVolume implements Volume {
  readonly readOnly: boolean;
  readonly async = false;
  readonly #root: string;
  readonly #proc: boolean;
  /** whether this volume acts through /proc/self/fd (see the module's comment) */
  get procFd(): boolean {
    return this.#proc;
  }
  readonly #beforeAct: (() => void) | undefined;
  /** paths compare without case where the host's filesystem usually ignores it */
  readonly #fold = process.platform === 'darwin' || process.platform === 'win32';

  constructor(root: string, options: DirectoryVolumeTestOptions) {
    this.#root = root;
    this.readOnly = options.readOnly ?? false;
    this.#proc = options.procFd !== false && procFdWorks(root);
    this.#beforeAct = options.beforeAct;
  }

  #host(path: VolumePath): string {
    let p = this.#root;
    for (const s of path) p += (p.endsWith(sep) ? '' : sep) + checkName(s);
    return p;
  }

  #same(a: string, b: string): boolean {
    return a === b || (this.#fold && a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase());
  }

  #mutable(): void {
    if (this.readOnly) throw new VolumeError('read-only', 'the volume is read-only');
  }

  /** Refuses a regular file another hard link may reach from outside the root. */
  #single(st: BigIntStats): void {
    if (st.isFile() && st.nlink > 1n) {
      throw new VolumeError('not-permitted', 'the file has more than one hard link, and another one may be outside the preopen', { confinement: true });
    }
  }

  #run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw volumeError(e);
    }
  }

  // ---- Linux: acting through a checked, open directory ----

  /** Opens the directory `dir`, checked to be exactly where it should be (no link on the way). */
  #openDir(dir: VolumePath): number {
    const expected = this.#host(dir);
    let fd: number;
    try {
      fd = nodeFs().openSync(expected, openFlags().dir);
    } catch (e) {
      // O_NOFOLLOW|O_DIRECTORY on a link: say why it is refused
      if ((errno(e) === 'ENOTDIR' || errno(e) === 'ELOOP') && lstatOrNull(expected)?.isSymbolicLink()) throw confined(THROUGH_LINK);
      throw e;
    }
    try {
      if (!this.#same(nodeFs().readlinkSync(PROC_FD + fd), expected)) throw confined(THROUGH_LINK);
      return fd;
    } catch (e) {
      nodeFs().closeSync(fd);
      throw e;
    }
  }

  // ---- elsewhere: the parent checked by realpath, before and after ----

  /** Refuses `dir` unless the host resolves it to exactly where it should be (no link on the way). */
  #checkDir(dir: VolumePath): void {
    if (dir.length === 0) return;
    const expected = this.#host(dir);
    if (!this.#same(nodeFs().realpathSync.native(expected), expected)) throw confined(THROUGH_LINK);
  }

  /**
   * The place of `path` (not the root): on Linux inside its parent, open and checked; elsewhere
   * its host path, its parent checked (each operation looks again after acting).
   */
  #place(path: VolumePath): Place {
    if (path.length === 0) throw new VolumeError('busy', 'the root can\'t be replaced or removed');
    const name = checkName(path[path.length - 1]);
    const parent = path.slice(0, -1);
    // the root's own path is the host's (resolved once, its name in a directory guests can't
    // reach), and a final name is never followed: in the root, the plain path is as safe
    if (parent.length === 0) return { path: this.#host(path), close: () => {} };
    if (this.#proc) {
      const fd = this.#openDir(parent);
      return { path: `${PROC_FD}${fd}/${name}`, close: () => nodeFs().closeSync(fd) };
    }
    this.#checkDir(parent);
    return { path: this.#host(path), close: () => {} };
  }

  /** Runs `act` on the place of `path`, once checked. */
  #at<T>(path: VolumePath, act: (p: string) => T): T {
    const place = this.#place(path);
    try {
      this.#beforeAct?.();
      return act(place.path);
    } finally {
      place.close();
    }
  }

  /**
   * The fallback's second look at an object just described, opened or made at `p`: its parent
   * still resolves where it should, and `p` still names the object with identity `id`.
   */
  #still(path: VolumePath, p: string, id: string): boolean {
    // in the root there is nothing to swap (see #place)
    if (path.length <= 1) return true;
    try {
      this.#checkDir(path.slice(0, -1));
      const now = lstatOrNull(p);
      return now !== null && idOf(now) === id;
    } catch {
      return false;
    }
  }

  /** Runs `fn` on the root directory, open and checked (Linux only). */
  #atRoot<T>(fn: (fd: number) => T): T {
    const fd = this.#openDir([]);
    try {
      return fn(fd);
    } finally {
      nodeFs().closeSync(fd);
    }
  }

  /** Opens a regular file without following a link, and checks what was opened. */
  #withFile<T>(path: VolumePath, flags: number, fn: (fd: number, st: BigIntStats) => T): T {
    if (path.length === 0) throw new VolumeError('is-directory');
    let fd = -1;
    const place = this.#place(path);
    try {
      this.#beforeAct?.();
      fd = nodeFs().openSync(place.path, flags | openFlags().noFollow | openFlags().nonBlock);
      const st = nodeFs().fstatSync(fd, { bigint: true });
      // the fallback: nothing is read or written before the file is known to be the one inside
      if (!this.#proc && !this.#still(path, place.path, idOf(st))) throw confined(MOVED);
      if (st.isDirectory()) throw new VolumeError('is-directory');
      if (!st.isFile()) throw new VolumeError('unsupported', 'only regular files are read and written');
      this.#single(st);
      return fn(fd, st);
    } finally {
      if (fd >= 0) nodeFs().closeSync(fd);
      place.close();
    }
  }

  lstat(path: VolumePath): VolumeStat {
    return this.#run(() => {
      let st: BigIntStats;
      if (path.length === 0) {
        st = this.#proc ? this.#atRoot((fd) => nodeFs().fstatSync(fd, { bigint: true })) : nodeFs().lstatSync(this.#root, { bigint: true });
        if (!st.isDirectory()) throw confined('the volume\'s root is no longer a directory');
      } else {
        st = this.#at(path, (p) => {
          const got = nodeFs().lstatSync(p, { bigint: true });
          if (!this.#proc && !this.#still(path, p, idOf(got))) throw confined(MOVED);
          return got;
        });
      }
      this.#single(st);
      const type = typeOf(st);
      return {
        type,
        size: type === 'directory' ? 0 : Number(st.size),
        linkCount: Number(st.nlink),
        accessTime: st.atimeNs,
        modificationTime: st.mtimeNs,
        statusChangeTime: st.ctimeNs,
        id: idOf(st),
      };
    });
  }

  walk(path: VolumePath): VolumeWalk {
    return this.#run(() => (this.#proc ? this.#fdWalk(path) : this.#pathWalk(path)));
  }

  /** A walk holding the current directory open: each step is one lookup in it, however deep. */
  #fdWalk(start: VolumePath): VolumeWalk {
    let fd = this.#openDir(start);
    const names = start.slice();
    // identities of the directories entered, to know that `..` leads back to the one we came from
    const ids = [idOf(nodeFs().fstatSync(fd, { bigint: true }))];
    const swap = (next: number): void => {
      nodeFs().closeSync(fd);
      fd = next;
    };
    return {
      type: (name) => this.#run(() => {
        const st = lstatOrNull(`${PROC_FD}${fd}/${checkName(name)}`);
        return st ? typeOf(st) : null;
      }),
      enter: (name) => this.#run(() => {
        let next: number;
        try {
          next = nodeFs().openSync(`${PROC_FD}${fd}/${checkName(name)}`, openFlags().dir);
        } catch (e) {
          if ((errno(e) === 'ENOTDIR' || errno(e) === 'ELOOP') && lstatOrNull(`${PROC_FD}${fd}/${name}`)?.isSymbolicLink()) throw confined(THROUGH_LINK);
          throw e;
        }
        try {
          ids.push(idOf(nodeFs().fstatSync(next, { bigint: true })));
        } catch (e) {
          nodeFs().closeSync(next);
          throw e;
        }
        swap(next);
        names.push(name);
      }),
      leave: () => this.#run(() => {
        if (ids.length <= 1) throw new VolumeError('invalid', 'a walk may not leave the directory it began at');
        const up = nodeFs().openSync(`${PROC_FD}${fd}/..`, openFlags().dir);
        const back = ids[ids.length - 2]!;
        let same = false;
        try {
          same = idOf(nodeFs().fstatSync(up, { bigint: true })) === back;
        } finally {
          if (!same) nodeFs().closeSync(up);
        }
        ids.pop();
        names.pop();
        // the directory moved meanwhile: open the one the walk came from by its path, checked
        swap(same ? up : this.#openDir(names));
      }),
      close: () => nodeFs().closeSync(fd),
    };
  }

  /** The fallback's walk: by host path, checking nothing (the volume's own methods check what the host acts on). */
  #pathWalk(start: VolumePath): VolumeWalk {
    this.#checkDir(start);
    if (!nodeFs().lstatSync(this.#host(start)).isDirectory()) throw new VolumeError('not-directory');
    const names = start.slice();
    const floor = names.length;
    return {
      type: (name) => this.#run(() => {
        const st = lstatOrNull(this.#host([...names, name]));
        return st ? typeOf(st) : null;
      }),
      enter: (name) => this.#run(() => {
        const st = nodeFs().lstatSync(this.#host([...names, name]), { bigint: true });
        if (st.isSymbolicLink()) throw confined(THROUGH_LINK);
        if (!st.isDirectory()) throw new VolumeError('not-directory');
        names.push(name);
      }),
      leave: () => {
        if (names.length <= floor) throw new VolumeError('invalid', 'a walk may not leave the directory it began at');
        names.pop();
      },
      close: () => {},
    };
  }

  read(path: VolumePath, offset: number, length: number): Uint8Array {
    return this.#run(() => this.#withFile(path, nodeFs().constants.O_RDONLY, (fd, st) => {
      const want = Math.max(0, Math.min(length, Number(st.size) - offset));
      const out = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const n = nodeFs().readSync(fd, out, got, want - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === want ? out : out.slice(0, got);
    }));
  }

  write(path: VolumePath, offset: number, data: Uint8Array): void {
    this.#mutable();
    this.#run(() => this.#withFile(path, nodeFs().constants.O_WRONLY, (fd) => {
      let done = 0;
      while (done < data.length) done += nodeFs().writeSync(fd, data, done, data.length - done, offset + done);
    }));
  }

  createFile(path: VolumePath): void {
    this.#mutable();
    this.#run(() => this.#at(path, (p) => {
      const fd = nodeFs().openSync(p, nodeFs().constants.O_WRONLY | nodeFs().constants.O_CREAT | nodeFs().constants.O_EXCL | openFlags().noFollow | openFlags().nonBlock, 0o666);
      try {
        if (this.#proc) return;
        const id = idOf(nodeFs().fstatSync(fd, { bigint: true }));
        if (!this.#still(path, p, id)) this.#undoMade(path, p, id);
      } finally {
        nodeFs().closeSync(fd);
      }
    }));
  }

  /**
   * The fallback, after making something that did not land where it was checked: removes it where
   * the path leads now (the swap still in place) if it is the object made, and refuses.
   */
  #undoMade(path: VolumePath, p: string, id: string | null, isDir = false): never {
    try {
      const st = lstatOrNull(p);
      if (st && (id === null ? (isDir ? st.isDirectory() : st.isSymbolicLink()) : idOf(st) === id)) {
        if (isDir) nodeFs().rmdirSync(p);
        else nodeFs().unlinkSync(p);
      }
    } catch {
      // gone or out of reach: the refusal below is what the guest gets
    }
    throw confined(`${MOVED}; made at ${path.join('/')}, undone where possible`);
  }

  truncate(path: VolumePath, size: number): void {
    this.#mutable();
    this.#run(() => this.#withFile(path, nodeFs().constants.O_WRONLY, (fd) => nodeFs().ftruncateSync(fd, size)));
  }

  readdir(path: VolumePath): VolumeDirEntry[] {
    return this.#run(() => {
      const list = (p: string): VolumeDirEntry[] => nodeFs().readdirSync(p, { withFileTypes: true }).map((d) => ({ name: d.name, type: typeOf(d) }));
      if (this.#proc) {
        const fd = this.#openDir(path);
        try {
          this.#beforeAct?.();
          return list(PROC_FD + fd);
        } finally {
          nodeFs().closeSync(fd);
        }
      }
      // the fallback: the directory itself checked (readdir follows a final link), before and after
      const p = this.#host(path);
      const before = nodeFs().lstatSync(p, { bigint: true });
      if (before.isSymbolicLink()) throw confined(THROUGH_LINK);
      this.#checkDir(path);
      this.#beforeAct?.();
      const entries = list(p);
      this.#checkDir(path);
      if (idOf(nodeFs().lstatSync(p, { bigint: true })) !== idOf(before)) throw confined(MOVED);
      return entries;
    });
  }

  mkdir(path: VolumePath): void {
    this.#mutable();
    this.#run(() => this.#at(path, (p) => {
      nodeFs().mkdirSync(p, 0o777);
      if (this.#proc) return;
      const st = lstatOrNull(p);
      if (!st || !this.#still(path, p, idOf(st))) this.#undoMade(path, p, null, true);
    }));
  }

  rmdir(path: VolumePath): void {
    this.#mutable();
    this.#run(() => this.#at(path, (p) => nodeFs().rmdirSync(p)));
  }

  unlink(path: VolumePath): void {
    this.#mutable();
    this.#run(() => this.#at(path, (p) => {
      try {
        nodeFs().unlinkSync(p);
      } catch (e) {
        // macOS says EPERM for a directory; POSIX hosts agree on is-directory after a look
        if (errno(e) === 'EPERM' && lstatOrNull(p)?.isDirectory()) throw new VolumeError('is-directory');
        throw e;
      }
    }));
  }

  rename(from: VolumePath, to: VolumePath): void {
    this.#mutable();
    this.#run(() => {
      // the fallback checks the destination first: checking a deep path takes long, and the
      // source, a swap of which would bring an outside object in, is checked last
      const dst = this.#place(to);
      try {
        const src = this.#place(from);
        try {
          // the fallback compares identities: what was checked at `from` must be what arrives at `to`
          const id = this.#proc ? '' : idOf(nodeFs().lstatSync(src.path, { bigint: true }));
          if (!this.#proc && !this.#still(from, src.path, id)) throw confined(MOVED);
          this.#beforeAct?.();
          nodeFs().renameSync(src.path, dst.path);
          if (!this.#proc && !this.#still(to, dst.path, id)) this.#undoRename(from, to, src.path, dst.path);
        } finally {
          src.close();
        }
      } finally {
        dst.close();
      }
    });
  }

  /**
   * The fallback, after a rename that did not move the checked object where it was checked: moves
   * what arrived back the way it came (through the same links, if the swap is still in place)
   * when that place is free, and refuses.
   */
  #undoRename(from: VolumePath, to: VolumePath, p: string, q: string): never {
    try {
      if (lstatOrNull(q) && !lstatOrNull(p)) nodeFs().renameSync(q, p);
    } catch {
      // out of reach: the refusal below is what the guest gets
    }
    throw confined(`${MOVED}; the rename of ${from.join('/')} to ${to.join('/')} was undone where possible`);
  }

  setTimes(path: VolumePath, accessTime: VolumeTimeUpdate, modificationTime: VolumeTimeUpdate): void {
    this.#mutable();
    const now = Date.now() / 1000;
    const seconds = (t: VolumeTimeUpdate, current: bigint): number => (t === null ? Number(current) / 1e9 : t === 'now' ? now : Number(t) / 1e9);
    this.#run(() => {
      if (path.length === 0 && this.#proc) {
        this.#atRoot((fd) => {
          const st = nodeFs().fstatSync(fd, { bigint: true });
          nodeFs().futimesSync(fd, seconds(accessTime, st.atimeNs), seconds(modificationTime, st.mtimeNs));
        });
        return;
      }
      if (path.length === 0) {
        const st = nodeFs().lstatSync(this.#root, { bigint: true });
        nodeFs().lutimesSync(this.#root, seconds(accessTime, st.atimeNs), seconds(modificationTime, st.mtimeNs));
        return;
      }
      this.#at(path, (p) => {
        const st = nodeFs().lstatSync(p, { bigint: true });
        this.#single(st);
        nodeFs().lutimesSync(p, seconds(accessTime, st.atimeNs), seconds(modificationTime, st.mtimeNs));
      });
    });
  }

  symlink(target: string, path: VolumePath): void {
    this.#mutable();
    if (target.startsWith('/') || /^[a-zA-Z]:|^\\/.test(target)) throw new VolumeError('not-permitted', 'symbolic links may not hold absolute paths', { confinement: true });
    // without /proc/self/fd the host may still follow a link in a race (see the module's comment):
    // a link that never climbs only ever leads below its own directory, wherever that moves
    if (!this.#proc && target.split(/[\\/]/).includes('..')) throw confined('symbolic links may not hold .. on this host (it has no /proc/self/fd)');
    this.#run(() => this.#at(path, (p) => {
      nodeFs().symlinkSync(target, p);
      if (this.#proc) return;
      const st = lstatOrNull(p);
      if (!st || !this.#still(path, p, idOf(st))) this.#undoMade(path, p, null);
    }));
  }

  readlink(path: VolumePath): string {
    return this.#run(() => {
      if (path.length === 0) throw new VolumeError('invalid', 'not a symbolic link');
      return this.#at(path, (p) => {
        const before = nodeFs().lstatSync(p, { bigint: true });
        if (!before.isSymbolicLink()) throw new VolumeError('invalid', 'not a symbolic link');
        const target = nodeFs().readlinkSync(p);
        if (!this.#proc && !this.#still(path, p, idOf(before))) throw confined(MOVED);
        return target;
      });
    });
  }

  // no `link`: a hard link is a file with two links, which this volume refuses to touch

  sync(path: VolumePath): void {
    this.#run(() => {
      if (path.length === 0) {
        if (this.#proc) this.#atRoot((fd) => nodeFs().fsyncSync(fd));
        else {
          const fd = nodeFs().openSync(this.#root, nodeFs().constants.O_RDONLY | openFlags().noFollow | openFlags().nonBlock);
          try {
            nodeFs().fsyncSync(fd);
          } finally {
            nodeFs().closeSync(fd);
          }
        }
        return;
      }
      this.#at(path, (p) => {
        const fd = nodeFs().openSync(p, nodeFs().constants.O_RDONLY | openFlags().noFollow | openFlags().nonBlock);
        try {
          if (!this.#proc && !this.#still(path, p, idOf(nodeFs().fstatSync(fd, { bigint: true })))) throw confined(MOVED);
          nodeFs().fsyncSync(fd);
        } finally {
          nodeFs().closeSync(fd);
        }
      });
    });
  }
}

/**
 * A volume serving a host directory, confined to it: `..`, absolute paths, and symbolic or hard
 * links leading outside are refused. A string in a preopen grant (`{ '/data': './data' }`) makes
 * one of these.
 *
 * @example
 * ```ts
 * import { createDirectoryVolume, loadComponent } from 'isowasm/node';
 * const component = await loadComponent('./tool.wasm');
 * const { exports } = await component.instantiate({
 *   capabilities: { fs: { preopens: { '/data': { volume: createDirectoryVolume('./data'), readOnly: false } } } },
 * });
 * ```
 */
export function createDirectoryVolume(hostPath: string, options: DirectoryVolumeOptions = {}): Volume {
  if (typeof hostPath !== 'string' || hostPath === '') throw new TypeError('createDirectoryVolume(hostPath): hostPath must be the path of a host directory');
  let root: string;
  try {
    // the root is resolved once: links above it are the host's choice, links below it are refused
    root = nodeFs().realpathSync.native(resolvePath(hostPath));
  } catch (e) {
    throw new TypeError(`createDirectoryVolume(): ${hostPath} can't be used: ${(e as Error).message}`, { cause: e });
  }
  if (!nodeFs().lstatSync(root).isDirectory()) throw new TypeError(`createDirectoryVolume(): ${hostPath} is not a directory`);
  return new DirectoryVolume(root, { readOnly: options.readOnly ?? false });
}

/**
 * @internal `createDirectoryVolume` with what tests may choose (the way of acting, a hook between
 * checking and acting). Not exported by the package.
 */
export function createDirectoryVolumeForTests(hostPath: string, options: DirectoryVolumeTestOptions = {}): Volume & { readonly procFd: boolean } {
  createDirectoryVolume(hostPath, options); // the same checks of hostPath
  return new DirectoryVolume(nodeFs().realpathSync.native(resolvePath(hostPath)), options);
}
