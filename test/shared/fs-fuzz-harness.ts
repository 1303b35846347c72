/**
 * A seeded fuzz of guest paths against the wasi:filesystem host: random mixes of `..`, `.`, `/`,
 * link names, long names and odd characters, through every path-taking descriptor method (from
 * the preopen and from subdirectories the fuzz opened). It checks that only wasi error codes
 * ever escape, and hands every path the host passes to the volume to `check`, which verifies on
 * the storage side that the path is normalised and goes through real directories only.
 */
import type { Volume, VolumePath, VolumeWalk } from '../../src/core/index.js';
import { isFilesystemErrorCode } from '../../src/core/host/volume.js';
import { mulberry32 } from '../harness/prng.js';
import type { HostContext } from '../../src/core/wasi/context.js';
import { type Descriptor, filesystemNamespaces } from '../../src/core/wasi/filesystem/index.js';


const METHODS = ['lstat', 'read', 'write', 'createFile', 'truncate', 'readdir', 'mkdir', 'rmdir', 'unlink', 'rename', 'setTimes', 'symlink', 'readlink', 'link', 'sync', 'walk'] as const;

/**
 * Wraps `volume` so that every path the host hands it is first checked: normalised segments
 * (the host's job), then `check` (the storage side's own view of where the path leads).
 */
export function spyVolume(volume: Volume, check: (path: VolumePath, method: string) => void): Volume {
  const seen = (p: unknown, method: string): void => {
    if (!Array.isArray(p)) throw new Error(`fuzz: ${method} got a path that is not an array: ${String(p)}`);
    for (const s of p) {
      if (typeof s !== 'string' || s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) {
        throw new Error(`fuzz: the host passed an unnormalised path to ${method}: ${JSON.stringify(p)}`);
      }
    }
    check(p, method);
  };
  return new Proxy(volume, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      if (!(METHODS as readonly (string | symbol)[]).includes(key)) return fn;
      return (...args: unknown[]) => {
        if (key === 'symlink') seen(args[1], 'symlink');
        else if (key === 'rename' || key === 'link') {
          seen(args[0], String(key));
          seen(args[1], String(key));
        } else seen(args[0], String(key));
        if (key === 'walk') return spyWalk(fn(...args) as VolumeWalk, args[0] as VolumePath, seen);
        return fn(...args);
      };
    },
  });
}

/** A walk whose every lookup is seen as the path it looks up. */
function spyWalk(walk: VolumeWalk, start: VolumePath, seen: (p: unknown, method: string) => void): VolumeWalk {
  const at = [...start];
  return {
    type: (name) => {
      seen([...at, name], 'walk.type');
      return walk.type(name);
    },
    enter: (name) => {
      seen([...at, name], 'walk.enter');
      walk.enter(name);
      at.push(name);
    },
    leave: () => {
      walk.leave();
      at.pop();
    },
    close: () => walk.close(),
  };
}

const ODD = ['\\', ':', ' ', 'é', '\u202e', '%2e%2e', '\n', '*', '?', '🙂', '\ud800', '\0', '..\\..', 'C:', '~', '$HOME', '\t', '"', '<>|'];

/** Random path text from the pieces a hostile guest would try. */
function randomPath(r: () => number, names: readonly string[]): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = 1 + Math.floor(r() * 8);
  const segs: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.25) segs.push('..');
    else if (k < 0.35) segs.push('.');
    else if (k < 0.42) segs.push('');
    else if (k < 0.75) segs.push(pick(names));
    else if (k < 0.8) segs.push('x'.repeat(200 + Math.floor(r() * 120)));
    else segs.push(pick(ODD) + (r() < 0.5 ? pick(names) : ''));
  }
  let p = segs.join('/');
  if (r() < 0.08) p = `/${p}`;
  if (r() < 0.05) p = `${p}/`;
  return p;
}

export interface FuzzReport {
  readonly ops: number;
  /** how many calls succeeded (a fuzz that never succeeds tests nothing) */
  readonly succeeded: number;
  readonly codes: Readonly<Record<string, number>>;
}

/**
 * Runs `ops` random calls against a preopen of `volume`; throws (naming the seed and the call)
 * when anything but a wasi:filesystem error code escapes.
 */
export function fuzzFilesystem(volume: Volume, seed: number, ops: number, names: readonly string[]): FuzzReport {
  const r = mulberry32(seed);
  const ctx: HostContext = { async: false, report: () => {}, afterCall: () => {} };
  const ns = filesystemNamespaces([{ guestPath: '/data', volume, readOnly: false }], ctx);
  const root = ns['wasi:filesystem/preopens'].getDirectories()[0]![0];
  const dirs: Descriptor[] = [root];
  const files: Descriptor[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flag = (p: number): boolean => r() < p;
  const codes: Record<string, number> = {};
  let succeeded = 0;
  for (let i = 0; i < ops; i++) {
    const d = pick(dirs);
    const p = randomPath(r, names);
    const q = randomPath(r, names);
    const op = Math.floor(r() * 15);
    const call = (): unknown => {
      switch (op) {
        case 0: case 1: {
          const o = d.openAt({ symlinkFollow: flag(0.5) }, p, { create: flag(0.4), directory: flag(0.2), exclusive: flag(0.2), truncate: flag(0.1) }, { read: flag(0.8), write: flag(0.5), mutateDirectory: flag(0.5) });
          if (o.getType() === 'directory') dirs.push(o);
          else files.push(o);
          return o;
        }
        case 2: return d.statAt({ symlinkFollow: flag(0.5) }, p);
        case 3: return d.createDirectoryAt(p);
        case 4: return d.removeDirectoryAt(p);
        case 5: return d.unlinkFileAt(p);
        case 6: return d.renameAt(p, pick(dirs), q);
        case 7: return d.symlinkAt(q, p);
        case 8: return d.linkAt({ symlinkFollow: flag(0.5) }, p, pick(dirs), q);
        case 9: return d.readlinkAt(p);
        case 10: return d.setTimesAt({ symlinkFollow: flag(0.5) }, p, { tag: 'now' }, { tag: 'no-change' });
        case 11: return d.metadataHashAt({ symlinkFollow: flag(0.5) }, p);
        case 12: {
          const s = d.readDirectory();
          while (s.readDirectoryEntry());
          return s;
        }
        case 13: {
          if (files.length === 0) return null;
          const f = pick(files);
          return flag(0.5) ? f.write(new TextEncoder().encode(p.slice(0, 64)), BigInt(Math.floor(r() * 100))) : f.read(64n, 0n);
        }
        default: {
          if (files.length === 0) return null;
          const f = pick(files);
          return flag(0.5) ? f.writeViaStream(0n).write(new Uint8Array(3)) : f.stat();
        }
      }
    };
    try {
      call();
      succeeded++;
    } catch (e) {
      // a file stream's failure is a wasi:io stream error (it carries its code inside)
      const streamError = typeof e === 'object' && e !== null && (e as { tag?: unknown }).tag === 'last-operation-failed';
      if (!(typeof e === 'string' && isFilesystemErrorCode(e)) && !streamError) {
        throw new Error(`fuzz seed ${seed}, call ${i} (op ${op}, path ${JSON.stringify(p)}, second ${JSON.stringify(q)}): ${String(e)}`, { cause: e });
      }
      const c = streamError ? 'stream-error' : (e as string);
      codes[c] = (codes[c] ?? 0) + 1;
    }
    if (dirs.length > 32) dirs.splice(1, 1);
    if (files.length > 32) files.splice(0, 1);
  }
  return { ops, succeeded, codes };
}
