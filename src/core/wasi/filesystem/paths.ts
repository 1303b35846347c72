/**
 * Path resolution and confinement, in one place: a guest path is walked one segment at a time
 * through the volume; `..` may never climb above the descriptor it is relative to (the rule of
 * wasmtime's cap-std, which also keeps every path inside its preopen); symbolic links are read
 * and expanded here, never followed by the host, and refused when absolute or when they lead
 * above that descriptor; absolute guest paths are refused. Volumes never follow links either,
 * so a mistake in one layer is caught by the other.
 *
 * Links are checked where they are used, relative to the directory holding them, every time:
 * that is the only check that holds whoever made the link (the host, another process, another
 * isowasm instance granted a different directory) and whatever was renamed since (a link that
 * was harmless where it was made leads outside once a directory above it moves nearer the root).
 * Creating a link that leads outside, or moving one where it would, is refused as well, for the
 * host's own programs, which follow links as the OS does; renaming a directory is not checked for
 * the links below it (that would mean walking its whole subtree), so those programs may still
 * meet such a link: they should not follow links in a directory a guest can write.
 *
 * Cost: one walk (`Volume.walk`) per resolution, so time is linear in the path's length, and
 * bounded: at most MAX_STEPS names and `..` walked (links included) and objects at most
 * MAX_DEPTH directories deep; beyond either the guest gets `name-too-long`.
 */
import type { VolumePath, VolumeStat, VolumeWalk } from '../../host/volume.js';
import { VolumeError, type Volume } from '../../host/volume.js';
import { clip, escape } from './errors.js';
import type { Mount, Open } from './mount.js';

/** Longest path and name the guest may pass (Linux's PATH_MAX and NAME_MAX, in UTF-8 bytes). */
export const MAX_PATH = 4096;
export const MAX_NAME = 255;
/** Symbolic links expanded in one resolution before it is a loop (Linux's limit). */
export const MAX_LINKS = 40;
/**
 * Deepest object a guest may reach or make, in directories below its preopen. A path of
 * MAX_PATH bytes holds at most 2048 names; a guest creating directories one below the other
 * from descriptors has no such limit, and every use costs time in the depth.
 */
export const MAX_DEPTH = 1024;
/** Names and `..` walked in one resolution, links' text included (a path alone holds at most 2048). */
export const MAX_STEPS = 4096;

const utf8 = new TextEncoder();

export function lstatOrNull(v: Volume, path: VolumePath): VolumeStat | null {
  try {
    return v.lstat(path);
  } catch (e) {
    if (e instanceof VolumeError && e.code === 'no-entry') return null;
    throw e;
  }
}

/** Like `lstatOrNull`, but an object refused for confinement reads as 'unknown' (its name may go). */
function lstatToRemove(v: Volume, path: VolumePath): VolumeStat | null {
  try {
    return lstatOrNull(v, path);
  } catch (e) {
    if (e instanceof VolumeError && e.confinement) return { type: 'unknown', size: 0, linkCount: 1, id: '' };
    throw e;
  }
}

/** Index of the last segment naming something (not `''`, `.`), or -1. */
function lastName(segs: readonly string[]): number {
  for (let j = segs.length - 1; j >= 0; j--) if (segs[j] !== '' && segs[j] !== '.') return j;
  return -1;
}

/** A walk for volumes without one: `lstat` of each path, which costs time in its depth. */
function lstatWalk(v: Volume, start: VolumePath): VolumeWalk {
  const at = start.slice();
  const floor = at.length;
  return {
    type: (name) => lstatOrNull(v, [...at, name])?.type ?? null,
    enter: (name) => {
      at.push(name);
    },
    leave: () => {
      if (at.length <= floor) throw new VolumeError('invalid', 'a walk may not leave the directory it began at');
      at.pop();
    },
    close: () => {},
  };
}

/** Where a guest path leads from a directory descriptor. */
export interface Resolved {
  /** the object's path in the volume */
  readonly path: string[];
  /** what is there; null: nothing (its parent exists and is a directory) */
  readonly stat: VolumeStat | null;
  /** the path ended in `/` or `/.`: it must name a directory */
  readonly dirOnly: boolean;
}

/**
 * Resolves `path` relative to the directory descriptor `d`, expanding symbolic links (all but a
 * final one unless `follow`) one segment at a time. Never leaves `d`'s directory: `..` above it,
 * absolute paths, and links that are absolute or climb above it are refused. `removing`: the
 * final object is only to be unlinked, so one the volume refuses to describe (a file hard-linked
 * from outside, say) may still lose its name here.
 */
export function resolve(d: Open, path: unknown, follow: boolean, removing = false): Resolved {
  const m = d.mount;
  if (typeof path !== 'string') throw 'invalid';
  if (path === '') throw 'no-entry';
  if (path.length > MAX_PATH || utf8.encode(path).length > MAX_PATH) throw 'name-too-long';
  if (path.includes('\0')) throw 'invalid';
  if (path.startsWith('/')) escape(m, `the guest used an absolute path (${clip(path)}); paths are relative to a preopen`);
  // begun when a path first needs it (most have one name): until then the stack is d's own path
  let open: VolumeWalk | null = null;
  const walk = (): VolumeWalk => (open ??= m.volume.walk ? m.volume.walk(d.path) : lstatWalk(m.volume, d.path));
  try {
    return walkPath(d, walk, path, follow, removing);
  } finally {
    (open as VolumeWalk | null)?.close();
  }
}

function walkPath(d: Open, walk: () => VolumeWalk, path: string, follow: boolean, removing: boolean): Resolved {
  const m = d.mount;
  const floor = d.path.length;
  const stack = d.path.slice();
  let segs = path.split('/');
  let last = lastName(segs);
  let links = 0;
  let steps = 0;
  for (let i = 0; i < segs.length;) {
    const at = i;
    const s = segs[i++]!;
    if (s === '' || s === '.') continue;
    if (++steps > MAX_STEPS) throw 'name-too-long';
    if (s === '..') {
      if (stack.length <= floor) escape(m, `the path ${clip(path)} climbs above the directory it is relative to`);
      walk().leave();
      stack.pop();
      continue;
    }
    if (s.length > MAX_NAME || utf8.encode(s).length > MAX_NAME) throw 'name-too-long';
    if (stack.length >= MAX_DEPTH) throw 'name-too-long';
    const isLast = at === last;
    const dirOnly = isLast && i < segs.length;
    // the final object is described by the volume itself (checked there); the walk only finds the way
    let st: VolumeStat | null;
    let type: VolumeStat['type'] | null;
    if (isLast) {
      const here = [...stack, s];
      st = removing ? lstatToRemove(m.volume, here) : lstatOrNull(m.volume, here);
      if (st === null) return { path: here, stat: null, dirOnly };
      type = st.type;
    } else {
      st = null;
      type = walk().type(s);
      if (type === null) throw 'no-entry';
    }
    if (type === 'symbolic-link' && (!isLast || follow || dirOnly)) {
      if (++links > MAX_LINKS) throw 'loop';
      const here = [...stack, s];
      const target = readLink(m, here);
      if (target.startsWith('/')) escape(m, `the symbolic link ${clip(here.join('/'))} holds an absolute path`);
      if (target === '') throw 'no-entry';
      // the link's text replaces its name, relative to the directory that holds it
      segs = [...target.split('/'), ...segs.slice(i)];
      last = lastName(segs);
      i = 0;
      continue;
    }
    if (isLast) {
      stack.push(s);
      if (dirOnly && type !== 'directory') throw 'not-directory';
      return { path: stack, stat: st, dirOnly };
    }
    if (type !== 'directory') throw 'not-directory';
    walk().enter(s);
    stack.push(s);
  }
  // the path led back to a directory already walked ('.', 'a/..'): d's directory or below it
  return { path: stack, stat: m.volume.lstat(stack), dirOnly: true };
}

export function readLink(m: Mount, path: VolumePath): string {
  if (!m.volume.readlink) throw 'unsupported';
  return m.volume.readlink(path);
}

/** Whether a link's text, read from the directory `dirDepth` deep in the volume, leads above its root. */
export function climbsAboveRoot(target: string, dirDepth: number): boolean {
  let depth = dirDepth;
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue;
    depth += s === '..' ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}
