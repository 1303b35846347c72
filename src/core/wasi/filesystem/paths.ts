/**
 * Path resolution and confinement, in one place: a guest path is walked one segment at a time
 * through the volume; `..` may never climb above the descriptor it is relative to (the rule of
 * wasmtime's cap-std, which also keeps every path inside its preopen); symbolic links are read
 * and expanded here, never followed by the host, and refused when absolute or when they lead
 * above that descriptor; absolute guest paths are refused. Volumes never follow links either,
 * so a mistake in one layer is caught by the other.
 */
import type { VolumePath, VolumeStat } from '../../host/volume.js';
import { VolumeError, type Volume } from '../../host/volume.js';
import { clip, escape } from './errors.js';
import type { Mount, Open } from './open.js';

/** Longest path and name the guest may pass (Linux's PATH_MAX and NAME_MAX, in UTF-8 bytes). */
export const MAX_PATH = 4096;
export const MAX_NAME = 255;
/** Symbolic links expanded in one resolution before it is a loop (Linux's limit). */
export const MAX_LINKS = 40;

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

/** Whether nothing but `''` and `.` follows index `i`. */
function restIsEmpty(segs: readonly string[], i: number): boolean {
  for (let j = i; j < segs.length; j++) if (segs[j] !== '' && segs[j] !== '.') return false;
  return true;
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
  const floor = d.path.length;
  const stack = d.path.slice();
  let segs = path.split('/');
  let links = 0;
  for (let i = 0; i < segs.length;) {
    const s = segs[i++]!;
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (stack.length <= floor) escape(m, `the path ${clip(path)} climbs above the directory it is relative to`);
      stack.pop();
      continue;
    }
    if (s.length > MAX_NAME || utf8.encode(s).length > MAX_NAME) throw 'name-too-long';
    const last = restIsEmpty(segs, i);
    const dirOnly = last && i < segs.length;
    const here = [...stack, s];
    const st = last && removing ? lstatToRemove(m.volume, here) : lstatOrNull(m.volume, here);
    if (st === null) {
      if (!last) throw 'no-entry';
      return { path: here, stat: null, dirOnly };
    }
    if (st.type === 'symbolic-link' && (!last || follow || dirOnly)) {
      if (++links > MAX_LINKS) throw 'loop';
      const target = readLink(m, here);
      if (target.startsWith('/')) escape(m, `the symbolic link ${clip(here.join('/'))} holds an absolute path`);
      if (target === '') throw 'no-entry';
      // the link's text replaces its name, relative to the directory that holds it
      segs = [...target.split('/'), ...segs.slice(i)];
      i = 0;
      continue;
    }
    if (!last && st.type !== 'directory') throw 'not-directory';
    stack.push(s);
    if (last) {
      if (dirOnly && st.type !== 'directory') throw 'not-directory';
      return { path: stack, stat: st, dirOnly };
    }
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
