/**
 * Open descriptors: the checks that a descriptor still names the object it opened (so one whose
 * object was replaced answers `bad-descriptor` rather than act on the newcomer), and the registry
 * that moves the descriptors below a renamed path along with it.
 */
import type { Volume, VolumeStat } from '../../host/volume.js';
import { readOnly } from './errors.js';
import type { Open } from './mount.js';
import { lstatOrNull } from './paths.js';

/** Open descriptors per volume (weakly), so that a rename moves the ones below it. */
const openByVolume = new WeakMap<Volume, { set: Set<WeakRef<Open>>; added: number }>();

export function register(o: Open): void {
  let reg = openByVolume.get(o.mount.volume);
  if (!reg) openByVolume.set(o.mount.volume, (reg = { set: new Set(), added: 0 }));
  o.ref = new WeakRef(o);
  reg.set.add(o.ref);
  // descriptors of instances that ended without dropping them are collected; forget them now and then
  if (++reg.added % 256 === 0) for (const r of reg.set) if (!r.deref()) reg.set.delete(r);
}

export function unregister(o: Open): void {
  if (o.ref) openByVolume.get(o.mount.volume)?.set.delete(o.ref);
}

/** After `from` moved to `to`, the descriptors open at or below `from` follow it. */
export function moved(v: Volume, from: readonly string[], to: readonly string[]): void {
  const reg = openByVolume.get(v);
  if (!reg) return;
  for (const r of reg.set) {
    const o = r.deref();
    if (!o) {
      reg.set.delete(r);
      continue;
    }
    if (o.path.length >= from.length && from.every((s, i) => o.path[i] === s)) o.path = [...to, ...o.path.slice(from.length)];
  }
}

/** Checks that `o` still names the object it opened. */
export function current(o: Open): VolumeStat {
  const st = lstatOrNull(o.mount.volume, o.path);
  if (!st || st.id !== o.id) throw 'bad-descriptor';
  return st;
}

export function dirOf(o: Open): void {
  current(o);
  if (o.type !== 'directory') throw 'not-directory';
}

export function fileOf(o: Open): VolumeStat {
  const st = current(o);
  if (o.type === 'directory') throw 'is-directory';
  return st;
}

/** A directory descriptor may change what it holds. */
export function mutable(o: Open, what: string): void {
  if (o.mount.readOnly) readOnly(o.mount, what);
  if (!o.flags.mutateDirectory) throw 'not-permitted';
}
