/**
 * The wasi:filesystem host on its own (Node and Chromium), called as a guest's bindings would
 * call it: descriptor flags and their inheritance, read-only preopens, open flags, streams,
 * renames with open descriptors, identity, and error codes (always codes, never host errors).
 */
import { IsowasmError, type DenialReport, type Volume } from '../../src/core/index.js';
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import type { HostContext } from '../../src/core/wasi/context.js';
import { Descriptor, filesystemErrorCode, filesystemNamespaces } from '../../src/core/wasi/filesystem/index.js';
import { MAX_DEPTH } from '../../src/core/wasi/filesystem/paths.js';
import { InputStream, OutputStream } from '../../src/core/wasi/io.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function host(preopens: { guestPath: string; volume: Volume; readOnly?: boolean }[], async = false) {
  const reports: DenialReport[] = [];
  const hooks: (() => Promise<void> | void)[] = [];
  const ctx: HostContext = { async, report: (d) => reports.push(d), afterCall: (h) => hooks.push(h) };
  const ns = filesystemNamespaces(preopens.map((p) => ({ readOnly: false, ...p })), ctx);
  const dirs = ns['wasi:filesystem/preopens'].getDirectories();
  return { ns, dirs, root: dirs[0]?.[0] as Descriptor, reports, hooks };
}

/** The error code `fn` throws (jco's convention: a thrown string); anything else fails. */
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    ok(typeof e === 'string', `expected an error code, got ${String(e)}`);
    return e;
  }
  throw new Error('expected an error code, but the call returned');
}

const RW = { read: true, write: true };

describe('wasi:filesystem descriptors', () => {
  it('lists the preopens with their guest paths; a grant-less host has none', () => {
    const a = createMemoryVolume();
    const { dirs } = host([{ guestPath: '/data', volume: a }, { guestPath: '/ro', volume: createMemoryVolume(), readOnly: true }]);
    deepEqual(dirs.map(([, p]) => p), ['/data', '/ro']);
    ok(dirs[0]![0] instanceof Descriptor);
    deepEqual(dirs[0]![0].getFlags(), { read: true, mutateDirectory: true });
    deepEqual(dirs[1]![0].getFlags(), { read: true, mutateDirectory: false });
    equal(dirs[0]![0].getType(), 'directory');
    deepEqual(host([]).dirs, []);
  });

  it('opens, writes and reads through descriptors and wasi:io streams', () => {
    const v = createMemoryVolume();
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const f = root.openAt({}, 'f.txt', { create: true }, RW);
    equal(f.getType(), 'regular-file');
    equal(f.write(enc.encode('hello'), 0n), 5n);
    deepEqual(f.read(3n, 1n), [enc.encode('ell'), false]);
    deepEqual(f.read(10n, 1n), [enc.encode('ello'), true]);
    const out = f.writeViaStream(5n);
    ok(out instanceof OutputStream);
    out.write(enc.encode(' wor'));
    out.write(enc.encode('ld'));
    const app = f.appendViaStream();
    app.write(enc.encode('!'));
    equal(dec.decode(v.read(['f.txt'], 0, 100)), 'hello world!');
    const input = f.readViaStream(6n);
    ok(input instanceof InputStream);
    equal(dec.decode(input.read(3n)), 'wor');
    equal(dec.decode(input.read(100n)), 'ld!');
    deepEqual(throws(() => input.read(1n)), { tag: 'closed' }, 'the end of the file closes the stream');
    equal(f.stat().size, 12n);
    equal(f.stat().type, 'regular-file');
    f.setSize(5n);
    equal(dec.decode(v.read(['f.txt'], 0, 100)), 'hello');
  });

  it('respects descriptor flags: no read, no write, no mutate-directory', () => {
    const v = createMemoryVolume({ 'f': 'x', 'd/': null });
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const ro = root.openAt({}, 'f', {}, { read: true });
    equal(code(() => ro.write(enc.encode('y'), 0n)), 'bad-descriptor');
    equal(code(() => ro.writeViaStream(0n)), 'bad-descriptor');
    equal(code(() => ro.appendViaStream()), 'bad-descriptor');
    equal(code(() => ro.setSize(0n)), 'bad-descriptor');
    equal(code(() => ro.setTimes({ tag: 'now' }, { tag: 'now' })), 'not-permitted');
    const wo = root.openAt({}, 'f', {}, { write: true });
    equal(code(() => wo.read(1n, 0n)), 'bad-descriptor');
    equal(code(() => wo.readViaStream(0n)), 'bad-descriptor');
    // a directory opened without mutate-directory can't change what it holds, nor hand that on
    const d = root.openAt({}, 'd', { directory: true }, { read: true });
    deepEqual(d.getFlags(), { read: true, write: false, fileIntegritySync: false, dataIntegritySync: false, requestedWriteSync: false, mutateDirectory: false });
    equal(code(() => d.createDirectoryAt('x')), 'not-permitted');
    equal(code(() => d.openAt({}, 'new', { create: true }, { read: true })), 'read-only');
    equal(code(() => d.openAt({}, 'new', {}, { write: true })), 'read-only');
    equal(code(() => d.openAt({}, '.', { directory: true }, { mutateDirectory: true })), 'read-only');
    // mutate-directory is inherited only when asked for and held
    const dm = root.openAt({}, 'd', { directory: true }, { read: true, mutateDirectory: true });
    dm.createDirectoryAt('x');
    equal(v.lstat(['d', 'x']).type, 'directory');
    // write on a directory, or mutate-directory on a file, is no permission at all
    equal(code(() => root.openAt({}, 'd', {}, { write: true })), 'is-directory');
    equal(root.openAt({}, 'f', {}, { read: true, mutateDirectory: true }).getFlags().mutateDirectory, false);
  });

  it('a read-only preopen refuses every change with read-only, and reports it', () => {
    const v = createMemoryVolume({ 'f': 'x', 'd/': null });
    const { root, reports } = host([{ guestPath: '/ro', volume: v, readOnly: true }]);
    const attempts: [string, () => unknown][] = [
      ['open for write', () => root.openAt({}, 'f', {}, { write: true })],
      ['create', () => root.openAt({}, 'new', { create: true }, { read: true })],
      ['truncate', () => root.openAt({}, 'f', { truncate: true }, { read: true })],
      ['mkdir', () => root.createDirectoryAt('e')],
      ['rmdir', () => root.removeDirectoryAt('d')],
      ['unlink', () => root.unlinkFileAt('f')],
      ['rename', () => root.renameAt('f', root, 'g')],
      ['symlink', () => root.symlinkAt('f', 'l')],
      ['link', () => root.linkAt({}, 'f', root, 'l')],
      ['set times', () => root.setTimesAt({}, 'f', { tag: 'now' }, { tag: 'now' })],
      ['own times', () => root.setTimes({ tag: 'now' }, { tag: 'now' })],
    ];
    for (const [what, fn] of attempts) equal(code(fn), 'read-only', what);
    equal(dec.decode(root.openAt({}, 'f', {}, { read: true }).read(10n, 0n)[0]), 'x', 'reading works');
    deepEqual(v.readdir([]).map((e) => e.name).sort(), ['d', 'f']);
    ok(reports.length > 0 && reports.every((r) => r.capability === 'fs'));
  });

  it('applies open flags: create, exclusive, truncate, directory; and refuses a final link when not following', () => {
    const v = createMemoryVolume({ 'f': 'content', 'd/': null });
    v.symlink!('f', ['l']);
    const { root } = host([{ guestPath: '/data', volume: v }]);
    equal(code(() => root.openAt({}, 'f', { create: true, exclusive: true }, RW)), 'exist');
    equal(code(() => root.openAt({}, 'nope', {}, RW)), 'no-entry');
    equal(code(() => root.openAt({}, 'f', { directory: true }, { read: true })), 'not-directory');
    equal(code(() => root.openAt({}, 'x', { create: true, directory: true }, { read: true })), 'invalid');
    equal(code(() => root.openAt({}, 'f/', {}, { read: true })), 'not-directory');
    equal(code(() => root.openAt({}, 'new/', { create: true }, RW)), 'is-directory');
    equal(code(() => root.openAt({}, 'l', {}, { read: true })), 'loop');
    equal(code(() => root.openAt({}, 'l', { create: true, exclusive: true }, RW)), 'exist');
    equal(dec.decode(root.openAt({ symlinkFollow: true }, 'l', {}, { read: true }).read(100n, 0n)[0]), 'content');
    root.openAt({}, 'f', { truncate: true }, RW);
    equal(v.lstat(['f']).size, 0);
    equal(root.openAt({}, 'd/', {}, { read: true }).getType(), 'directory');
    equal(root.openAt({}, '.', {}, { read: true }).getType(), 'directory');
  });

  it('keeps directory and file operations apart', () => {
    const v = createMemoryVolume({ 'f': 'x', 'd/': null });
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const f = root.openAt({}, 'f', {}, RW);
    for (const fn of [() => f.openAt({}, 'x', {}, {}), () => f.readDirectory(), () => f.createDirectoryAt('x'), () => f.statAt({}, 'x'), () => f.unlinkFileAt('x')]) {
      equal(code(fn), 'not-directory');
    }
    for (const fn of [() => root.read(1n, 0n), () => root.write(new Uint8Array(1), 0n), () => root.readViaStream(0n), () => root.setSize(0n)]) {
      equal(code(fn), 'is-directory');
    }
    equal(code(() => root.unlinkFileAt('d')), 'is-directory');
    equal(code(() => root.removeDirectoryAt('f')), 'not-directory');
    equal(code(() => root.removeDirectoryAt('.')), 'invalid');
    equal(code(() => root.renameAt('.', root, 'x')), 'busy');
  });

  it('lists directories through entry streams, with types', () => {
    const v = createMemoryVolume({ 'f': 'x', 'd/': null });
    v.symlink!('f', ['l']);
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const s = root.readDirectory();
    const seen: string[] = [];
    for (let e = s.readDirectoryEntry(); e; e = s.readDirectoryEntry()) seen.push(`${e.name}:${e.type}`);
    deepEqual(seen.sort(), ['d:directory', 'f:regular-file', 'l:symbolic-link']);
    equal(s.readDirectoryEntry(), undefined);
  });

  it('moves open descriptors along with a rename; a replaced object makes its descriptor bad', () => {
    const v = createMemoryVolume({ 'd/f': 'inner', 'x': 'old' });
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const d = root.openAt({}, 'd', { directory: true }, { read: true, mutateDirectory: true });
    const f = root.openAt({}, 'd/f', {}, RW);
    root.renameAt('d', root, 'moved');
    equal(dec.decode(f.read(100n, 0n)[0]), 'inner', 'the file descriptor followed');
    d.createDirectoryAt('new');
    equal(v.lstat(['moved', 'new']).type, 'directory', 'the directory descriptor followed');
    const x = root.openAt({}, 'x', {}, RW);
    root.unlinkFileAt('x');
    root.openAt({}, 'x', { create: true }, RW).write(enc.encode('a newcomer'), 0n);
    equal(code(() => x.read(100n, 0n)), 'bad-descriptor', 'not the newcomer');
    equal(code(() => x.writeViaStream(0n)), 'bad-descriptor');
    equal(x.isSameObject(x), false, 'a bad descriptor is no object');
  });

  it('answers identity and metadata questions', async () => {
    const v = createMemoryVolume({ 'f': 'x', 'g': 'y' });
    v.link!(['f'], ['hard']);
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const f1 = root.openAt({}, 'f', {}, RW);
    const f2 = root.openAt({}, 'hard', {}, { read: true });
    const g = root.openAt({}, 'g', {}, { read: true });
    equal(f1.isSameObject(f2), true);
    equal(f1.isSameObject(g), false);
    equal(root.isSameObject(root.openAt({}, '.', {}, {})), true);
    const h1 = f1.metadataHash();
    deepEqual(root.metadataHashAt({}, 'f'), h1);
    await new Promise((r) => setTimeout(r, 5));
    f1.write(enc.encode('changed'), 0n);
    const h2 = f1.metadataHash();
    ok(h2.lower !== h1.lower && h2.upper !== h1.upper, 'a write changes the hash');
    deepEqual(f2.metadataHash(), h2, 'the same object, the same hash');
    equal(root.statAt({}, 'f').linkCount, 2n);
    const t = { seconds: 1_600_000_000n, nanoseconds: 5 };
    root.setTimesAt({}, 'g', { tag: 'timestamp', val: t }, { tag: 'no-change' });
    deepEqual(root.statAt({}, 'g').dataAccessTimestamp, t);
    equal(code(() => root.setTimesAt({}, 'g', { tag: 'timestamp', val: { seconds: 1n, nanoseconds: 2e9 } }, { tag: 'now' })), 'invalid');
  });

  it('resolves symbolic links inside the preopen and refuses ones leading out, absolute or not', () => {
    const v = createMemoryVolume({ 'a/b/file': 'deep' });
    v.symlink!('a/b', ['ab']);
    v.symlink!('../b/file', ['a', 'b', 'self']);
    v.symlink!('../../..', ['a', 'b', 'up3']);
    v.symlink!('loop1', ['loop2']);
    v.symlink!('loop2', ['loop1']);
    const { root, reports } = host([{ guestPath: '/data', volume: v }]);
    equal(root.statAt({ symlinkFollow: true }, 'ab/file').type, 'regular-file');
    equal(root.statAt({ symlinkFollow: true }, 'ab/self').size, 4n);
    equal(root.statAt({}, 'ab').type, 'symbolic-link');
    equal(code(() => root.statAt({ symlinkFollow: true }, 'a/b/up3')), 'not-permitted');
    equal(code(() => root.statAt({}, 'a/b/up3/x')), 'not-permitted');
    equal(code(() => root.statAt({ symlinkFollow: true }, 'loop1')), 'loop');
    equal(root.readlinkAt('ab'), 'a/b');
    equal(code(() => root.readlinkAt('a/b/up3')), 'not-permitted', 'its text leads outside');
    equal(code(() => root.symlinkAt('/etc/passwd', 'x')), 'not-permitted');
    equal(code(() => root.symlinkAt('../x', 'x')), 'not-permitted');
    root.symlinkAt('../file', 'a/b/ok');
    equal(reports.length, 5);
    // relative to a subdirectory, .. may not climb above it
    const sub = root.openAt({}, 'a', { directory: true }, { read: true });
    equal(code(() => sub.statAt({}, '../a')), 'not-permitted');
    equal(sub.statAt({}, 'b/../b/file').size, 4n);
  });

  it('checks links where they are used: one made harmless, then led outside by renaming its directory nearer the root, is refused there', () => {
    const v = createMemoryVolume({ 'a/b/': null, 'secret.txt': 'inside' });
    const { root, reports } = host([{ guestPath: '/data', volume: v }]);
    root.symlinkAt('../../secret.txt', 'a/b/l'); // a/b/../../secret.txt: inside, where it is made
    equal(root.statAt({ symlinkFollow: true }, 'a/b/l').size, 6n);
    root.renameAt('a/b', root, 'c'); // a directory moves with whatever links it holds
    equal(code(() => root.statAt({ symlinkFollow: true }, 'c/l')), 'not-permitted');
    equal(code(() => root.openAt({ symlinkFollow: true }, 'c/l', {}, { read: true })), 'not-permitted');
    equal(code(() => root.readlinkAt('c/l')), 'not-permitted', 'its text leads outside now');
    const c = root.openAt({}, 'c', { directory: true }, { read: true });
    equal(code(() => c.statAt({ symlinkFollow: true }, 'l')), 'not-permitted', 'and from its own directory');
    equal(root.statAt({}, 'c/l').type, 'symbolic-link', 'the link itself may still be looked at and removed');
    root.unlinkFileAt('c/l');
    equal(reports.length, 4);
  });

  it('bounds resolution: objects at most MAX_DEPTH deep, at most MAX_STEPS names walked (links included), both name-too-long beyond', () => {
    const deep = Array<string>(MAX_DEPTH).fill('d');
    const v = createMemoryVolume({ [`${deep.join('/')}/`]: null, 'a/': null });
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const started = performance.now();
    equal(root.statAt({}, deep.join('/')).type, 'directory', 'MAX_DEPTH deep is reachable');
    equal(code(() => root.createDirectoryAt(`${deep.join('/')}/x`)), 'name-too-long', 'one more is not');
    const bottom = root.openAt({}, deep.join('/'), { directory: true }, { read: true, mutateDirectory: true });
    equal(code(() => bottom.createDirectoryAt('x')), 'name-too-long', 'nor from a descriptor down there');
    // a link of 1,601 steps: twice fits in MAX_STEPS, three times does not
    root.symlinkAt(`${'a/../'.repeat(800)}a`, 'l');
    equal(root.statAt({ symlinkFollow: true }, 'l/../l').type, 'directory');
    equal(code(() => root.statAt({ symlinkFollow: true }, 'l/../l/../l')), 'name-too-long');
    ok(performance.now() - started < 5_000, 'and quickly');
  });

  it('refuses absolute paths, NULs, and over-long names and paths with error codes', () => {
    const { root } = host([{ guestPath: '/data', volume: createMemoryVolume() }]);
    equal(code(() => root.statAt({}, '/')), 'not-permitted');
    equal(code(() => root.statAt({}, '')), 'no-entry');
    equal(code(() => root.statAt({}, 'a\0b')), 'invalid');
    equal(code(() => root.statAt({}, 'x'.repeat(256))), 'name-too-long');
    equal(code(() => root.statAt({}, 'a/'.repeat(3000))), 'name-too-long');
  });

  it('renames and links only within one volume (cross-device otherwise)', () => {
    const a = createMemoryVolume({ 'f': 'x' });
    const b = createMemoryVolume();
    const { dirs } = host([{ guestPath: '/a', volume: a }, { guestPath: '/b', volume: b }]);
    equal(code(() => dirs[0]![0].renameAt('f', dirs[1]![0], 'f')), 'cross-device');
    equal(code(() => dirs[0]![0].linkAt({}, 'f', dirs[1]![0], 'f')), 'cross-device');
  });

  it('tells a file stream\'s errors apart with filesystem-error-code', () => {
    const v = createMemoryVolume({ 'f': 'x' });
    const { root } = host([{ guestPath: '/data', volume: v }]);
    const f = root.openAt({}, 'f', {}, RW);
    const out = f.writeViaStream(0n);
    const input = f.readViaStream(0n);
    root.unlinkFileAt('f');
    const e = throws(() => out.write(enc.encode('y'))) as { tag: string; val: unknown };
    equal(e.tag, 'last-operation-failed');
    equal(filesystemErrorCode(e.val), 'bad-descriptor');
    const r = throws(() => input.read(1n)) as { tag: string; val: unknown };
    equal(r.tag, 'last-operation-failed');
    equal(filesystemErrorCode(r.val), 'bad-descriptor');
    equal(filesystemErrorCode(new Error('other')), undefined);
  });

  it('flushes persisting volumes after each call, and refuses them in a synchronous instance', () => {
    let flushed = 0;
    const base = createMemoryVolume();
    const persisting = new Proxy(base, {
      get: (t, k) => (k === 'flush' ? () => { flushed++; } : k === 'async' ? true : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k)),
    });
    throws(() => host([{ guestPath: '/p', volume: persisting }], false), { instanceOf: IsowasmError, code: 'UNSUPPORTED' });
    const { hooks } = host([{ guestPath: '/p', volume: persisting }, { guestPath: '/q', volume: persisting }], true);
    equal(hooks.length, 1, 'one hook per volume');
    void hooks[0]!();
    equal(flushed, 1);
  });

  it('turns a volume\'s unexpected failures into io, never a host error', () => {
    const broken = new Proxy(createMemoryVolume({ 'f': 'x' }), {
      get: (t, k) => (k === 'read' ? () => { throw new Error('disk on fire /secret/host/path'); } : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as (...a: unknown[]) => unknown).bind(t) : Reflect.get(t, k)),
    });
    const { root } = host([{ guestPath: '/data', volume: broken }]);
    const f = root.openAt({}, 'f', {}, RW);
    equal(code(() => f.read(1n, 0n)), 'io');
  });
});
