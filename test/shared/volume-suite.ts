/**
 * One shared suite for the Volume contract (src/core/host/volume.ts), run on every backend: the
 * memory volume (Node and Chromium), the directory volume (Node) and the IndexedDB volume
 * (Chromium). Like unstorage's testDriver: a backend passes if it behaves exactly like the others.
 */
import { type Volume, type VolumePath } from '../../src/core/index.js';
import { VolumeError } from '../../src/core/host/volume.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

/** A volume to test, made by a backend; `files` are created before it is handed over. */
export interface VolumeUnderTest {
  readonly volume: Volume;
  /** A fresh volume object over the same storage (persistent backends only). */
  readonly reopen?: () => Promise<Volume>;
  /** Removes what the test created. */
  readonly cleanup?: () => Promise<void> | void;
  /** The backend refuses links whose text holds `..` (not-permitted): the directory volume where /proc/self/fd is missing. */
  readonly refusesDotDotLinks?: boolean;
}

export type VolumeFactory = (options: { readOnly?: boolean; files?: Readonly<Record<string, string>> }) => Promise<VolumeUnderTest>;

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array): string => dec.decode(b);

/** The code of the VolumeError `fn` throws (anything else fails the test). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    ok(e instanceof VolumeError, `expected a VolumeError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected the call to throw a VolumeError, but it returned');
}

function names(v: Volume, p: VolumePath): string[] {
  return v.readdir(p).map((e) => `${e.name}${e.type === 'directory' ? '/' : e.type === 'symbolic-link' ? '@' : ''}`).sort();
}

function readAll(v: Volume, p: VolumePath): string {
  return text(v.read(p, 0, 1 << 20));
}

function writeFile(v: Volume, p: VolumePath, s: string): void {
  v.createFile(p);
  v.write(p, 0, bytes(s));
}

/**
 * Runs the Volume contract suite on volumes from `factory`.
 *
 * @example
 * ```ts
 * testVolume('memory volume', async ({ readOnly, files }) => ({ volume: createMemoryVolume(files, { readOnly }) }));
 * ```
 */
export function testVolume(name: string, factory: VolumeFactory): void {
  const withVolume = (options: Parameters<VolumeFactory>[0], fn: (u: VolumeUnderTest) => Promise<void> | void) => async () => {
    const u = await factory(options);
    try {
      await fn(u);
    } finally {
      await u.cleanup?.();
    }
  };

  describe(`Volume contract: ${name}`, () => {
    it('starts as an empty, writable root directory with its flags', withVolume({}, ({ volume: v }) => {
      equal(v.readOnly, false);
      equal(typeof v.async, 'boolean');
      const root = v.lstat([]);
      equal(root.type, 'directory');
      deepEqual(v.readdir([]), []);
      equal(typeof root.id, 'string');
    }));

    it('creates, writes and reads files at offsets, zero-filling gaps and copying what it is given', withVolume({}, ({ volume: v }) => {
      v.createFile(['a.txt']);
      equal(v.lstat(['a.txt']).size, 0);
      equal(v.lstat(['a.txt']).type, 'regular-file');
      const data = bytes('hello');
      v.write(['a.txt'], 0, data);
      data.fill(0); // the volume must have copied it
      equal(readAll(v, ['a.txt']), 'hello');
      v.write(['a.txt'], 8, bytes('!'));
      deepEqual([...v.read(['a.txt'], 0, 100)], [104, 101, 108, 108, 111, 0, 0, 0, 33]);
      equal(text(v.read(['a.txt'], 1, 3)), 'ell');
      equal(v.read(['a.txt'], 9, 10).length, 0, 'at the end');
      equal(v.read(['a.txt'], 1000, 10).length, 0, 'past the end');
      equal(v.lstat(['a.txt']).size, 9);
      equal(v.lstat(['a.txt']).linkCount, 1);
      equal(codeOf(() => v.createFile(['a.txt'])), 'exist');
      equal(codeOf(() => v.read(['missing'], 0, 1)), 'no-entry');
      equal(codeOf(() => v.write(['missing'], 0, bytes('x'))), 'no-entry');
    }));

    it('holds a megabyte written in small chunks, byte for byte', withVolume({}, ({ volume: v }) => {
      v.createFile(['big']);
      const chunk = new Uint8Array(4096);
      for (let i = 0; i < 256; i++) {
        chunk.fill(i);
        v.write(['big'], i * 4096, chunk);
      }
      equal(v.lstat(['big']).size, 1 << 20);
      const back = v.read(['big'], 0, 1 << 20);
      equal(back.length, 1 << 20);
      for (let i = 0; i < 256; i++) equal(back[i * 4096 + 17], i, `chunk ${i}`);
    }));

    it('truncates and extends files; what was cut off reads as zeros after growing again', withVolume({}, ({ volume: v }) => {
      writeFile(v, ['t'], 'abcdef');
      v.truncate(['t'], 2);
      equal(readAll(v, ['t']), 'ab');
      v.truncate(['t'], 5);
      deepEqual([...v.read(['t'], 0, 10)], [97, 98, 0, 0, 0]);
      v.write(['t'], 7, bytes('z'));
      deepEqual([...v.read(['t'], 0, 10)], [97, 98, 0, 0, 0, 0, 0, 122]);
      v.mkdir(['d']);
      equal(codeOf(() => v.truncate(['d'], 0)), 'is-directory');
      equal(codeOf(() => v.read(['d'], 0, 1)), 'is-directory');
      equal(codeOf(() => v.write(['d'], 0, bytes('x'))), 'is-directory');
    }));

    it('makes, lists and removes directories with POSIX errors', withVolume({}, ({ volume: v }) => {
      v.mkdir(['d']);
      v.mkdir(['d', 'e']);
      writeFile(v, ['d', 'f.txt'], 'x');
      deepEqual(names(v, ['d']), ['e/', 'f.txt']);
      deepEqual(names(v, []), ['d/']);
      equal(v.lstat(['d']).type, 'directory');
      equal(codeOf(() => v.mkdir(['d'])), 'exist');
      equal(codeOf(() => v.mkdir(['d', 'f.txt'])), 'exist');
      equal(codeOf(() => v.mkdir(['nope', 'x'])), 'no-entry');
      equal(codeOf(() => v.mkdir(['d', 'f.txt', 'x'])), 'not-directory');
      equal(codeOf(() => v.rmdir(['d'])), 'not-empty');
      equal(codeOf(() => v.rmdir(['d', 'f.txt'])), 'not-directory');
      equal(codeOf(() => v.unlink(['d', 'e'])), 'is-directory');
      equal(codeOf(() => v.readdir(['d', 'f.txt'])), 'not-directory');
      equal(codeOf(() => v.readdir(['missing'])), 'no-entry');
      v.unlink(['d', 'f.txt']);
      v.rmdir(['d', 'e']);
      deepEqual(names(v, ['d']), []);
      v.rmdir(['d']);
      deepEqual(names(v, []), []);
      equal(codeOf(() => v.unlink(['d'])), 'no-entry');
      equal(codeOf(() => v.rmdir(['d'])), 'no-entry');
    }));

    it('renames like POSIX rename: moves, replaces, and refuses what it must', withVolume({}, ({ volume: v }) => {
      writeFile(v, ['a'], 'A');
      writeFile(v, ['b'], 'B');
      v.mkdir(['d']);
      v.mkdir(['d', 'inner']);
      writeFile(v, ['d', 'inner', 'x'], 'X');
      v.mkdir(['empty']);
      v.mkdir(['full']);
      writeFile(v, ['full', 'y'], 'Y');

      const idA = v.lstat(['a']).id;
      v.rename(['a'], ['a2']);
      equal(readAll(v, ['a2']), 'A');
      equal(v.lstat(['a2']).id, idA, 'the same object under its new name');
      equal(codeOf(() => v.lstat(['a'])), 'no-entry');
      v.rename(['a2'], ['b']); // replaces a file
      equal(readAll(v, ['b']), 'A');
      v.rename(['b'], ['b']); // onto itself: nothing happens
      equal(readAll(v, ['b']), 'A');
      v.rename(['d'], ['moved']); // a whole subtree
      equal(readAll(v, ['moved', 'inner', 'x']), 'X');
      equal(codeOf(() => v.rename(['moved'], ['b'])), 'not-directory');
      equal(codeOf(() => v.rename(['b'], ['empty'])), 'is-directory');
      equal(codeOf(() => v.rename(['moved'], ['full'])), 'not-empty');
      equal(codeOf(() => v.rename(['moved'], ['moved', 'inner', 'deeper'])), 'invalid');
      equal(codeOf(() => v.rename(['nope'], ['x'])), 'no-entry');
      equal(codeOf(() => v.rename(['b'], ['nope', 'x'])), 'no-entry');
      v.rename(['moved'], ['empty']); // a directory may replace an empty one
      equal(readAll(v, ['empty', 'inner', 'x']), 'X');
      deepEqual(names(v, []), ['b', 'empty/', 'full/']);
    }));

    it('describes objects: distinct, stable identities, sizes, link counts and times that move on writes', withVolume({}, async ({ volume: v }) => {
      writeFile(v, ['f'], 'abc');
      v.mkdir(['d']);
      const f = v.lstat(['f']);
      const d = v.lstat(['d']);
      ok(f.id !== d.id && f.id !== v.lstat([]).id, 'identities differ');
      equal(v.lstat(['f']).id, f.id, 'identities are stable');
      equal(f.size, 3);
      equal(f.linkCount, 1);
      ok(d.linkCount >= 1);
      ok(typeof f.modificationTime === 'bigint' && f.modificationTime > 1_500_000_000_000_000_000n, 'a modification time in ns since the epoch');
      await new Promise((r) => setTimeout(r, 20));
      v.write(['f'], 3, bytes('d'));
      ok(v.lstat(['f']).modificationTime! > f.modificationTime!, 'a write moves the modification time on');
    }));

    it('sets times explicitly, to now, or leaves one unchanged', withVolume({}, ({ volume: v }) => {
      writeFile(v, ['f'], 'x');
      const t = 1_600_000_000_000_000_000n; // 2020-09-13, whole seconds (hosts differ below that)
      v.setTimes(['f'], t, t + 1_000_000_000n);
      let st = v.lstat(['f']);
      equal(st.accessTime, t);
      equal(st.modificationTime, t + 1_000_000_000n);
      v.setTimes(['f'], null, 'now');
      st = v.lstat(['f']);
      equal(st.accessTime, t, 'null leaves the access time alone');
      const now = BigInt(Date.now()) * 1_000_000n;
      const diff = st.modificationTime! - now;
      ok(diff < 5_000_000_000n && diff > -5_000_000_000n, `'now' is now (off by ${diff} ns)`);
      equal(codeOf(() => v.setTimes(['missing'], 'now', 'now')), 'no-entry');
    }));

    it('refuses paths that are not normalised, whatever the caller thought', withVolume({}, ({ volume: v }) => {
      v.mkdir(['d']);
      for (const bad of [['..'], ['.'], [''], ['d', '..'], ['a/b'], ['d', '..', '..'], ['x\0y']]) {
        const c = codeOf(() => v.lstat(bad));
        equal(c, 'invalid', `lstat ${JSON.stringify(bad)}`);
        equal(codeOf(() => v.createFile(bad)), 'invalid', `createFile ${JSON.stringify(bad)}`);
      }
    }));

    it('keeps symbolic links as text and never follows one', withVolume({}, ({ volume: v, refusesDotDotLinks }) => {
      ok(typeof v.symlink === 'function' && typeof v.readlink === 'function', 'every backend here supports symbolic links');
      v.mkdir(['dir']);
      writeFile(v, ['dir', 'secret'], 'S');
      writeFile(v, ['file'], 'F');
      v.symlink!('dir', ['to-dir']);
      v.symlink!('file', ['to-file']);
      const dangling = refusesDotDotLinks ? 'outside/anything' : '../outside/anything';
      if (refusesDotDotLinks) equal(codeOf(() => v.symlink!('dir/../../x', ['climbs'])), 'not-permitted');
      v.symlink!(dangling, ['dangling']);
      equal(v.readlink!(['to-dir']), 'dir');
      equal(v.readlink!(['dangling']), dangling);
      const st = v.lstat(['to-file']);
      equal(st.type, 'symbolic-link');
      equal(st.size, 4, 'a link\'s size is its text\'s length');
      deepEqual(names(v, []), ['dangling@', 'dir/', 'file', 'to-dir@', 'to-file@']);
      // a link in the middle of a path is refused, not followed
      equal(codeOf(() => v.lstat(['to-dir', 'secret'])), 'not-permitted');
      equal(codeOf(() => v.read(['to-dir', 'secret'], 0, 10)), 'not-permitted');
      equal(codeOf(() => v.createFile(['to-dir', 'new'])), 'not-permitted');
      ok(['not-permitted', 'not-directory', 'loop'].includes(codeOf(() => v.readdir(['to-dir']))), 'readdir through a link is refused');
      // a final link is not followed by reads and writes
      ok(['loop', 'not-permitted', 'invalid'].includes(codeOf(() => v.read(['to-file'], 0, 10))), 'read of a link is refused');
      ok(['loop', 'not-permitted', 'invalid'].includes(codeOf(() => v.write(['to-file'], 0, bytes('x')))), 'write to a link is refused');
      equal(readAll(v, ['file']), 'F', 'the link target is unchanged');
      equal(codeOf(() => v.createFile(['to-file'])), 'exist');
      equal(codeOf(() => v.readlink!(['file'])), 'invalid');
      equal(codeOf(() => v.symlink!('/etc/passwd', ['abs'])), 'not-permitted');
      // the link itself can be renamed, re-timed and removed
      v.rename(['to-file'], ['renamed-link']);
      equal(v.readlink!(['renamed-link']), 'file');
      v.unlink(['renamed-link']);
      v.unlink(['to-dir']);
      deepEqual(names(v, []), ['dangling@', 'dir/', 'file']);
      equal(readAll(v, ['dir', 'secret']), 'S', 'removing a link to a directory leaves the directory');
    }));

    it('makes hard links where it supports them, and says so where it does not', withVolume({}, ({ volume: v }) => {
      writeFile(v, ['f'], 'data');
      if (!v.link) {
        // a backend without hard links (the directory volume refuses multi-link files instead)
        equal(v.link, undefined);
        return;
      }
      v.link(['f'], ['g']);
      equal(v.lstat(['g']).id, v.lstat(['f']).id);
      equal(v.lstat(['f']).linkCount, 2);
      v.write(['g'], 0, bytes('DA'));
      equal(readAll(v, ['f']), 'DAta');
      v.unlink(['f']);
      equal(readAll(v, ['g']), 'DAta');
      equal(v.lstat(['g']).linkCount, 1);
      v.mkdir(['d']);
      equal(codeOf(() => v.link!(['d'], ['d2'])), 'not-permitted');
      equal(codeOf(() => v.link!(['g'], ['g'])), 'exist');
    }));

    it('refuses every change when read-only, and still reads', withVolume({ readOnly: true, files: { 'f.txt': 'content', 'd/inner.txt': 'inner' } }, ({ volume: v }) => {
      equal(v.readOnly, true);
      equal(readAll(v, ['f.txt']), 'content');
      equal(readAll(v, ['d', 'inner.txt']), 'inner');
      deepEqual(names(v, []), ['d/', 'f.txt']);
      const refusals: [string, () => unknown][] = [
        ['write', () => v.write(['f.txt'], 0, bytes('x'))],
        ['createFile', () => v.createFile(['new'])],
        ['truncate', () => v.truncate(['f.txt'], 0)],
        ['mkdir', () => v.mkdir(['e'])],
        ['rmdir', () => v.rmdir(['d'])],
        ['unlink', () => v.unlink(['f.txt'])],
        ['rename', () => v.rename(['f.txt'], ['g.txt'])],
        ['setTimes', () => v.setTimes(['f.txt'], 'now', 'now')],
        ['symlink', () => v.symlink?.('f.txt', ['l'])],
        ['link', () => v.link?.(['f.txt'], ['l'])],
      ];
      for (const [what, fn] of refusals) {
        if ((what === 'symlink' && !v.symlink) || (what === 'link' && !v.link)) continue;
        equal(codeOf(fn), 'read-only', what);
      }
      equal(readAll(v, ['f.txt']), 'content', 'unchanged');
      deepEqual(names(v, []), ['d/', 'f.txt']);
    }));

    it('walks directories one name at a time as lstat sees them, never through a link, never above its start (where it offers walk)', withVolume({}, ({ volume: v }) => {
      if (!v.walk) return;
      v.mkdir(['a']);
      v.mkdir(['a', 'b']);
      writeFile(v, ['a', 'f'], 'x');
      v.symlink?.('b', ['a', 'l']);
      const w = v.walk(['a']);
      try {
        equal(w.type('b'), 'directory');
        equal(w.type('f'), 'regular-file');
        if (v.symlink) equal(w.type('l'), 'symbolic-link');
        equal(w.type('missing'), null);
        equal(codeOf(() => w.type('..')), 'invalid');
        if (v.symlink) equal(codeOf(() => w.enter('l')), 'not-permitted');
        equal(codeOf(() => w.enter('f')), 'not-directory');
        equal(codeOf(() => w.enter('missing')), 'no-entry');
        w.enter('b');
        equal(w.type('f'), null, 'now in a/b');
        writeFile(v, ['a', 'b', 'g'], 'y');
        equal(w.type('g'), 'regular-file', 'it sees what changed since');
        w.leave();
        equal(w.type('f'), 'regular-file', 'back in a');
        equal(codeOf(() => w.leave()), 'invalid', 'not above where it began');
      } finally {
        w.close();
      }
      const top = v.walk([]);
      try {
        equal(top.type('a'), 'directory');
      } finally {
        top.close();
      }
      if (v.symlink) {
        v.symlink('a', ['to-a']);
        ok(['not-permitted', 'not-directory'].includes(codeOf(() => v.walk!(['to-a']))), 'a walk does not begin through a link');
      }
      equal(codeOf(() => v.walk!(['a', 'f'])), 'not-directory');
    }));

    it('throws only VolumeErrors carrying wasi:filesystem error codes', withVolume({}, ({ volume: v }) => {
      const attempts: (() => unknown)[] = [
        () => v.lstat(['nope']), () => v.read(['nope'], 0, 1), () => v.rmdir(['nope']), () => v.unlink(['nope']),
        () => v.rename(['nope'], ['x']), () => v.readdir(['nope']), () => v.truncate(['nope'], 1),
      ];
      for (const a of attempts) equal(codeOf(a), 'no-entry');
    }));
  });

  describe(`Volume contract: ${name}, persistence`, () => {
    it('keeps files, directories, links and times in a fresh volume object over the same storage (or has none to keep)', async () => {
      const u = await factory({});
      try {
        const v = u.volume;
        writeFile(v, ['keep.txt'], 'kept');
        v.mkdir(['dir']);
        writeFile(v, ['dir', 'nested.bin'], '\u0001\u0002');
        v.symlink?.('keep.txt', ['link']);
        writeFile(v, ['gone.txt'], 'soon gone');
        v.unlink(['gone.txt']);
        v.setTimes(['keep.txt'], 1_600_000_000_000_000_000n, 1_600_000_000_000_000_000n);
        await v.flush?.();
        if (!u.reopen) {
          // memory volumes: the storage is the object; nothing to reopen
          equal(readAll(v, ['keep.txt']), 'kept');
          return;
        }
        const again = await u.reopen();
        ok(again !== v);
        deepEqual(names(again, []), v.symlink ? ['dir/', 'keep.txt', 'link@'] : ['dir/', 'keep.txt']);
        equal(readAll(again, ['keep.txt']), 'kept');
        deepEqual([...again.read(['dir', 'nested.bin'], 0, 10)], [1, 2]);
        if (v.symlink) equal(again.readlink!(['link']), 'keep.txt');
        equal(again.lstat(['keep.txt']).modificationTime, 1_600_000_000_000_000_000n);
      } finally {
        await u.cleanup?.();
      }
    });
  });
}
