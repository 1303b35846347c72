/**
 * The Volume contract: what backs a filesystem preopen. A volume is a small synchronous,
 * path-based store of directories, regular files and symbolic links. isowasm's
 * `wasi:filesystem` host (src/core/wasi/filesystem/paths.ts) resolves and confines every guest
 * path itself, one segment at a time, and only then calls the volume with a path it has checked;
 * a volume's job is storage, plus one rule that keeps confinement safe even if the caller errs:
 * it never follows a symbolic link.
 *
 * Synchronous because WASI 0.2 filesystem calls are synchronous for the guest; a volume backed
 * by asynchronous storage (IndexedDB) serves from memory and persists in `flush`, which the
 * host awaits after every call of the instance (`async: true` makes the instance asynchronous).
 */

/**
 * The error codes of `wasi:filesystem/types#error-code`, as jco's bindings spell them.
 *
 * @example
 * ```ts
 * const code: FilesystemErrorCode = 'no-entry';
 * ```
 */
export type FilesystemErrorCode =
  | 'access' | 'would-block' | 'already' | 'bad-descriptor' | 'busy' | 'deadlock' | 'quota' | 'exist'
  | 'file-too-large' | 'illegal-byte-sequence' | 'in-progress' | 'interrupted' | 'invalid' | 'io'
  | 'is-directory' | 'loop' | 'too-many-links' | 'message-size' | 'name-too-long' | 'no-device'
  | 'no-entry' | 'no-lock' | 'insufficient-memory' | 'insufficient-space' | 'not-directory'
  | 'not-empty' | 'not-recoverable' | 'unsupported' | 'no-tty' | 'no-such-device' | 'overflow'
  | 'not-permitted' | 'pipe' | 'read-only' | 'invalid-seek' | 'text-file-busy' | 'cross-device';

const CODES: ReadonlySet<string> = new Set<FilesystemErrorCode>([
  'access', 'would-block', 'already', 'bad-descriptor', 'busy', 'deadlock', 'quota', 'exist',
  'file-too-large', 'illegal-byte-sequence', 'in-progress', 'interrupted', 'invalid', 'io',
  'is-directory', 'loop', 'too-many-links', 'message-size', 'name-too-long', 'no-device',
  'no-entry', 'no-lock', 'insufficient-memory', 'insufficient-space', 'not-directory',
  'not-empty', 'not-recoverable', 'unsupported', 'no-tty', 'no-such-device', 'overflow',
  'not-permitted', 'pipe', 'read-only', 'invalid-seek', 'text-file-busy', 'cross-device',
]);

/**
 * Whether `code` is one of `wasi:filesystem`'s error codes.
 *
 * @example
 * ```ts
 * isFilesystemErrorCode('no-entry'); // true
 * isFilesystemErrorCode('ENOENT');   // false
 * ```
 */
export function isFilesystemErrorCode(code: unknown): code is FilesystemErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/**
 * What a volume throws: a `wasi:filesystem` error code the guest receives as is. `confinement`
 * marks refusals made to keep the guest inside its preopen (the host reports those as denials).
 *
 * @example
 * ```ts
 * throw new VolumeError('no-entry', 'notes/today.md does not exist');
 * ```
 */
export class VolumeError extends Error {
  readonly code: FilesystemErrorCode;
  /** the refusal protects confinement (a link leading outside the volume, say) */
  readonly confinement: boolean;
  constructor(code: FilesystemErrorCode, message?: string, options?: { confinement?: boolean; cause?: unknown }) {
    super(message ?? code, options?.cause === undefined ? undefined : { cause: options.cause });
    if (!isFilesystemErrorCode(code)) throw new TypeError(`VolumeError: ${String(code)} is not a wasi:filesystem error code`);
    this.name = 'VolumeError';
    this.code = code;
    this.confinement = options?.confinement ?? false;
  }
}

/**
 * A path inside a volume: the names from the volume's root, already normalised by the caller
 * (no empty names, no `.` or `..`, no `/`). `[]` is the root itself.
 *
 * @example
 * ```ts
 * const path: VolumePath = ['notes', 'today.md']; // notes/today.md
 * ```
 */
export type VolumePath = readonly string[];

/**
 * The kinds of object a volume may hold (`wasi:filesystem`'s descriptor types).
 *
 * @example
 * ```ts
 * if (volume.lstat(path).type === 'directory') console.log(volume.readdir(path));
 * ```
 */
export type VolumeEntryType =
  | 'directory' | 'regular-file' | 'symbolic-link'
  | 'block-device' | 'character-device' | 'fifo' | 'socket' | 'unknown';

/**
 * What `lstat` tells about an object (times are nanoseconds since the Unix epoch).
 *
 * @example
 * ```ts
 * const { size, modificationTime } = volume.lstat(['notes.txt']);
 * ```
 */
export interface VolumeStat {
  readonly type: VolumeEntryType;
  /** bytes of a regular file; the length of a symbolic link's target text */
  readonly size: number;
  /** number of hard links (directories: 2 + subdirectories, as POSIX counts them) */
  readonly linkCount: number;
  readonly accessTime?: bigint;
  readonly modificationTime?: bigint;
  readonly statusChangeTime?: bigint;
  /**
   * The object's identity within the volume (an inode): equal for two paths to the same object,
   * different for different objects existing at the same time. Used for `is-same-object` and
   * `metadata-hash`, and to notice that what a descriptor opened was replaced.
   */
  readonly id: string;
}

/**
 * One entry of a directory listing.
 *
 * @example
 * ```ts
 * const names = volume.readdir([]).map((e: VolumeDirEntry) => e.name);
 * ```
 */
export interface VolumeDirEntry {
  readonly name: string;
  readonly type: VolumeEntryType;
}

/**
 * A walk through a volume's directories one name at a time, from the directory it began at:
 * what `Volume.walk` returns. It lets the host resolve a path in time linear in its length
 * (each `lstat` of a path starts again from the root, which makes a deep path quadratic). What
 * it answers is a check for the walk only: the host acts through the volume's own methods, which
 * check again.
 *
 * @example
 * ```ts
 * const w = volume.walk!(['src']);
 * try { if (w.type('lib') === 'directory') w.enter('lib'); } finally { w.close(); }
 * ```
 */
export interface VolumeWalk {
  /** The type of the entry `name` of the current directory, as `lstat` would say; null: none. */
  type(name: string): VolumeEntryType | null;
  /** Moves into the directory `name` of the current directory; never follows a symbolic link. */
  enter(name: string): void;
  /** Moves back to the directory it came from; never above the one the walk began at. */
  leave(): void;
  /** Frees what the walk holds (open directories). */
  close(): void;
}

/**
 * A new timestamp: nanoseconds since the epoch, `'now'`, or `null` to leave it unchanged.
 *
 * @example
 * ```ts
 * volume.setTimes(['f'], null, 'now'); // touch the modification time only
 * ```
 */
export type VolumeTimeUpdate = bigint | 'now' | null;

/**
 * What backs a filesystem preopen. Every method is synchronous and throws `VolumeError` (with a
 * `wasi:filesystem` error code) when it fails.
 *
 * Rules every implementation keeps:
 * - **Never follow a symbolic link.** An intermediate path segment that is a symbolic link is
 *   refused (`not-permitted`), one that is not a directory is `not-directory`, a missing one is
 *   `no-entry`; an operation on a final segment that is a symbolic link acts on the link itself
 *   (or fails, for `read`/`write`/`truncate`/`readdir`).
 * - **Stay inside.** Nothing a volume does reaches outside its own root.
 * - **Read-only means read-only.** When `readOnly` is true every mutation throws `read-only`.
 *
 * The host checks types, flags and permissions before calling, so the methods do little more
 * than what their names say; still, each refuses what it can't do with the code POSIX would give.
 *
 * @example
 * ```ts
 * // a volume of your own: a read-only view of one in-memory file
 * import { VolumeError, type Volume } from 'isowasm/core';
 * const text = new TextEncoder().encode('hello\n');
 * const file = (p: readonly string[]) => p.length === 1 && p[0] === 'hello.txt';
 * const refuse = (): never => { throw new VolumeError('read-only'); };
 * const helloVolume: Volume = {
 *   readOnly: true,
 *   async: false,
 *   lstat(p) {
 *     if (p.length === 0) return { type: 'directory', size: 0, linkCount: 2, id: 'root' };
 *     if (file(p)) return { type: 'regular-file', size: text.length, linkCount: 1, id: 'hello' };
 *     throw new VolumeError('no-entry');
 *   },
 *   read(p, offset, length) {
 *     if (!file(p)) throw new VolumeError(p.length === 0 ? 'is-directory' : 'no-entry');
 *     return text.slice(offset, offset + length);
 *   },
 *   readdir(p) {
 *     if (p.length !== 0) throw new VolumeError(file(p) ? 'not-directory' : 'no-entry');
 *     return [{ name: 'hello.txt', type: 'regular-file' }];
 *   },
 *   write: refuse, createFile: refuse, truncate: refuse, mkdir: refuse, rmdir: refuse,
 *   unlink: refuse, rename: refuse, setTimes: refuse,
 * };
 * await component.instantiate({ capabilities: { fs: { preopens: { '/data': { volume: helloVolume } } } } });
 * ```
 */
export interface Volume {
  /** every mutation throws `read-only` */
  readonly readOnly: boolean;
  /**
   * The volume persists asynchronously in `flush`: instances granted it run asynchronously
   * (JSPI) so that each call's writes are flushed before the call's promise resolves.
   */
  readonly async: boolean;

  /** Describes the object at `path` without following a final symbolic link. */
  lstat(path: VolumePath): VolumeStat;
  /** Up to `length` bytes of a regular file from `offset` (fewer at its end, none past it). */
  read(path: VolumePath, offset: number, length: number): Uint8Array;
  /**
   * Writes `data` at `offset` of a regular file, extending it (with zeros in any gap). `data` may
   * be a view of the guest's memory, valid only during the call: copy what you keep.
   */
  write(path: VolumePath, offset: number, data: Uint8Array): void;
  /** Creates an empty regular file; `exist` if anything is already there. */
  createFile(path: VolumePath): void;
  /** Sets a regular file's size, cutting it or extending it with zeros. */
  truncate(path: VolumePath, size: number): void;
  /** The entries of a directory (without `.` and `..`), in any order. */
  readdir(path: VolumePath): VolumeDirEntry[];
  /** Creates an empty directory; `exist` if anything is already there. */
  mkdir(path: VolumePath): void;
  /** Removes an empty directory (`not-empty`, `not-directory` otherwise). */
  rmdir(path: VolumePath): void;
  /** Removes a non-directory (a directory is `is-directory`). */
  unlink(path: VolumePath): void;
  /**
   * Moves an object, replacing what is at `to` as POSIX `rename` does: a file may replace a file,
   * an empty directory may be replaced by a directory; a directory can't move into itself
   * (`invalid`); renaming an object onto itself does nothing.
   */
  rename(from: VolumePath, to: VolumePath): void;
  /** Sets access and modification times (of a symbolic link itself, if `path` is one). */
  setTimes(path: VolumePath, accessTime: VolumeTimeUpdate, modificationTime: VolumeTimeUpdate): void;
  /** Creates a symbolic link holding `target` (relative text; the host never passes absolute ones). Absent: symlinks unsupported. */
  symlink?(target: string, path: VolumePath): void;
  /** The target text of a symbolic link (`invalid` if `path` is not one). */
  readlink?(path: VolumePath): string;
  /** Creates a hard link `path` to the non-directory at `existing`. Absent: hard links unsupported. */
  link?(existing: VolumePath, path: VolumePath): void;
  /**
   * A walk from the directory at `path` (see `VolumeWalk`), answering exactly as `lstat` would.
   * Absent: the host walks with `lstat`, whose cost grows with the depth of each path.
   */
  walk?(path: VolumePath): VolumeWalk;
  /** Makes what was written to `path` reach stable storage (fsync). */
  sync?(path: VolumePath): void;
  /** Persists what changed since the last flush; awaited after every call of an instance granted it. */
  flush?(): Promise<void> | void;
}

const REQUIRED = ['lstat', 'read', 'write', 'createFile', 'truncate', 'readdir', 'mkdir', 'rmdir', 'unlink', 'rename', 'setTimes'] as const;

/**
 * Whether `v` has the shape of a `Volume` (its required methods and flags).
 *
 * @example
 * ```ts
 * if (!isVolume(grant.volume)) throw new TypeError('not a volume');
 * ```
 */
export function isVolume(v: unknown): v is Volume {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.readOnly === 'boolean' && typeof o.async === 'boolean' && REQUIRED.every((m) => typeof o[m] === 'function');
}
