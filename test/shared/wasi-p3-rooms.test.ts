/**
 * The WASI 0.3 rooms (cli, clocks, random, filesystem) on their own, in Node and Chromium, called
 * in JS terms as the Canonical ABI calls them: streams the guest gives are ReadableStreams the
 * room reads, streams it gets are ReadableStreams the room fills, futures are promises of result
 * values. Built by `wasiHost` from grants, so these also check the wiring: the same sinks, stdin,
 * clock, seed and volumes as the 0.2 rooms, and deny by default exactly as 0.2.
 */
import { ComponentExit, IsowasmError, type Capabilities } from '../../src/core/index.js';
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import type { WasiPlatform } from '../../src/core/host/platform.js';
import { wasiHost } from '../../src/core/wasi/index.js';
import { MAX_RANDOM_BYTES } from '../../src/core/wasi/p3/random.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

type Fn = (...a: any[]) => any;
type Ns = Record<string, Record<string, Fn>>;

function imports(caps: Capabilities, async = true, ended?: AbortSignal) {
  const out: Uint8Array[] = [];
  const errOut: Uint8Array[] = [];
  const denied: IsowasmError[] = [];
  const platform: WasiPlatform = { name: 'test', host: wasiHost, defaultStdout: (b) => out.push(b), defaultStderr: (b) => errOut.push(b) };
  const ns = wasiHost.createImports(platform, wasiHost.resolveGrants(caps, platform), { onDenied: (e) => denied.push(e), async, afterCall: () => {}, ...(ended ? { ended } : {}) }) as Ns;
  return { ns, out, errOut, denied };
}

/** A guest's `stream<u8>` as the host receives it: these chunks, and whether the host cancelled it (and how many it read). */
function guestStream(chunks: string[]) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[state.pulled];
      if (next === undefined) c.close();
      else {
        state.pulled++;
        c.enqueue(enc.encode(next));
      }
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

async function readAll<T>(s: ReadableStream<T>): Promise<T[]> {
  const got: T[] = [];
  for (const r = s.getReader(); ;) {
    const { done, value } = await r.read();
    if (done) return got;
    got.push(value);
  }
}

const text = (chunks: Uint8Array[]): string => dec.decode(new Uint8Array(chunks.flatMap((c) => [...c])));

describe('WASI 0.3 rooms: wasi:cli@0.3.0', () => {
  it('serves environment, arguments and initial cwd from the grants, nothing by default', () => {
    const { ns } = imports({ env: { A: '1', B: 'two' }, args: ['app', 'x'], cwd: '/work' });
    const env = ns['wasi:cli/environment@0.3.0']!;
    deepEqual(env.getEnvironment!(), [['A', '1'], ['B', 'two']]);
    deepEqual(env.getArguments!(), ['app', 'x']);
    equal(env.getInitialCwd!(), '/work');
    const none = imports({}).ns['wasi:cli/environment@0.3.0']!;
    deepEqual([none.getEnvironment!(), none.getArguments!(), none.getInitialCwd!()], [[], [], undefined]);
  });

  it('writes stdout and stderr streams to the same sinks as 0.2, answering ok at the stream\'s end', async () => {
    const lines: string[] = [];
    const { ns } = imports({ stdio: { stdout: (b) => lines.push(`out:${dec.decode(b)}`), stderr: (b) => lines.push(`err:${dec.decode(b)}`) } });
    const a = guestStream(['hello ', 'stdout\n']);
    deepEqual(await ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(a.stream), { tag: 'ok' });
    deepEqual(await ns['wasi:cli/stderr@0.3.0']!.writeViaStream!(guestStream(['oops\n']).stream), { tag: 'ok' });
    // the 0.2 stream of the same instance writes to the same sink
    ns['wasi:cli/stdout']!.getStdout!().write(enc.encode('0.2\n'));
    deepEqual(lines, ['out:hello ', 'out:stdout\n', 'err:oops\n', 'out:0.2\n']);
    equal(a.state.cancelled, false);
  });

  it('defaults stdout to the platform\'s sink, and null discards', async () => {
    const d = imports({});
    await d.ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(guestStream(['to the platform']).stream);
    equal(text(d.out), 'to the platform');
    const n = imports({ stdio: { stdout: null } });
    deepEqual(await n.ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(guestStream(['gone']).stream), { tag: 'ok' });
    equal(n.out.length, 0);
  });

  it('withheld stdio refuses a write stream unread (the guest sees it dropped), answers pipe, and reports it once', async () => {
    const { ns, denied } = imports({ stdio: false });
    const a = guestStream(['secret']);
    deepEqual(await ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(a.stream), { tag: 'err', val: 'pipe' });
    equal(a.state.pulled, 0);
    ok(a.state.cancelled);
    await ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(guestStream(['again']).stream);
    equal(denied.length, 1);
    equal(denied[0]!.code, 'CAPABILITY_DENIED');
    // stdin is empty, not an error
    const [input, done] = ns['wasi:cli/stdin@0.3.0']!.readViaStream!() as [ReadableStream<Uint8Array>, Promise<unknown>];
    deepEqual(await readAll(input), []);
    deepEqual(await done, { tag: 'ok' });
  });

  it('a sink that throws ends the write with io and cancels the guest\'s stream', async () => {
    const { ns } = imports({ stdio: { stdout: () => { throw new Error('disk full'); } } });
    const a = guestStream(['a', 'b', 'c']);
    deepEqual(await ns['wasi:cli/stdout@0.3.0']!.writeViaStream!(a.stream), { tag: 'err', val: 'io' });
    equal(a.state.pulled, 1);
    ok(a.state.cancelled);
  });

  it('reads stdin from the grant (bytes, text or a pull callback), shared with the 0.2 stream', async () => {
    const { ns } = imports({ stdio: { stdin: 'line one\nline two\n' } });
    const [input, done] = ns['wasi:cli/stdin@0.3.0']!.readViaStream!() as [ReadableStream<Uint8Array>, Promise<unknown>];
    equal(text(await readAll(input)), 'line one\nline two\n');
    deepEqual(await done, { tag: 'ok' });
    // what one version read, the other doesn't read again
    deepEqual(throws(() => ns['wasi:cli/stdin']!.getStdin!().read(10n)), { tag: 'closed' });
    const parts = ['a', 'bc', null];
    const pulled = imports({ stdio: { stdin: () => { const p = parts.shift(); return p ? enc.encode(p) : null; } } });
    const [s2] = pulled.ns['wasi:cli/stdin@0.3.0']!.readViaStream!() as [ReadableStream<Uint8Array>];
    equal(text(await readAll(s2)), 'abc');
  });

  it('a stdin callback that throws ends the stream and answers io', async () => {
    const { ns } = imports({ stdio: { stdin: () => { throw new Error('EIO'); } } });
    const [input, done] = ns['wasi:cli/stdin@0.3.0']!.readViaStream!() as [ReadableStream<Uint8Array>, Promise<unknown>];
    deepEqual(await readAll(input), []);
    deepEqual(await done, { tag: 'err', val: 'io' });
  });

  it('exit and exit-with-code end the run with a ComponentExit, as in 0.2; no terminals', () => {
    const { ns } = imports({});
    const exit = ns['wasi:cli/exit@0.3.0']!;
    equal((throws(() => exit.exit!({ tag: 'ok' })) as ComponentExit).exitCode, 0);
    equal((throws(() => exit.exit!({ tag: 'err' })) as ComponentExit).exitCode, 1);
    equal((throws(() => exit.exitWithCode!(42)) as ComponentExit).exitCode, 42);
    for (const s of ['Stdin', 'Stdout', 'Stderr']) equal(ns[`wasi:cli/terminal-${s.toLowerCase()}@0.3.0`]![`getTerminal${s}`]!(), undefined);
    ok(typeof ns['wasi:cli/types@0.3.0'] === 'object');
  });
});

describe('WASI 0.3 rooms: wasi:clocks@0.3.0 and wasi:random@0.3.0', () => {
  it('waits that are already due return at once (not a promise); later ones resolve once the clock passes them', async () => {
    const { ns } = imports({});
    const mono = ns['wasi:clocks/monotonic-clock@0.3.0']!;
    const now = mono.now!() as bigint;
    equal(mono.waitFor!(0n), undefined);
    equal(mono.waitUntil!(now), undefined);
    equal(mono.waitUntil!(now - 1n), undefined);
    const target = (mono.now!() as bigint) + 5_000_000n;
    const p = mono.waitUntil!(target);
    ok(p instanceof Promise);
    await p;
    ok((mono.now!() as bigint) >= target, 'woke no earlier than asked');
    const before = mono.now!() as bigint;
    await mono.waitFor!(2_000_000n);
    ok((mono.now!() as bigint) - before >= 2_000_000n);
    equal(mono.getResolution!(), 1000n);
  });

  it('a wait ends when its instance ends (its timer cleared): a guest waiting forever keeps nothing alive', async () => {
    const ended = new AbortController();
    const { ns } = imports({}, true, ended.signal);
    const mono = ns['wasi:clocks/monotonic-clock@0.3.0']!;
    const forever = mono.waitFor!(2n ** 64n - 1n) as Promise<void>;
    let settled: unknown = 'pending';
    forever.then(() => { settled = 'resolved'; }, (e: unknown) => { settled = e; });
    await new Promise((r) => setTimeout(r, 10));
    equal(settled, 'pending');
    ended.abort();
    await new Promise((r) => setTimeout(r, 0));
    ok(settled instanceof IsowasmError && settled.code === 'INSTANCE_POISONED', `the wait ended: ${String(settled)}`);
    // a wait asked for after the end ends at once
    const late = mono.waitFor!(1_000_000_000n) as Promise<void>;
    let lateErr: unknown = null;
    await late.catch((e: unknown) => { lateErr = e; });
    ok(lateErr instanceof IsowasmError, 'a wait after the end is refused');
  });

  it('shares one monotonic clock with 0.2 (marks agree) and reads the system clock', () => {
    const { ns } = imports({});
    const a = ns['wasi:clocks/monotonic-clock']!.now!() as bigint;
    const b = ns['wasi:clocks/monotonic-clock@0.3.0']!.now!() as bigint;
    const c = ns['wasi:clocks/monotonic-clock']!.now!() as bigint;
    ok(a <= b && b <= c, `${a} <= ${b} <= ${c}`);
    const t = ns['wasi:clocks/system-clock@0.3.0']!.now!() as { seconds: bigint; nanoseconds: number };
    ok(Math.abs(Number(t.seconds) - Date.now() / 1000) < 5);
    ok(t.nanoseconds >= 0 && t.nanoseconds < 1e9);
    ok(typeof ns['wasi:clocks/types@0.3.0'] === 'object');
  });

  it('gives random bytes and numbers, bounds max-len, and keeps one insecure seed for both versions', () => {
    const { ns } = imports({});
    const r = ns['wasi:random/random@0.3.0']!;
    equal((r.getRandomBytes!(100n) as Uint8Array).length, 100);
    equal((ns['wasi:random/insecure@0.3.0']!.getInsecureRandomBytes!(7n) as Uint8Array).length, 7);
    equal((r.getRandomBytes!(1n << 62n) as Uint8Array).length, MAX_RANDOM_BYTES, 'a hostile max-len gets at most the bound');
    ok(typeof r.getRandomU64!() === 'bigint');
    const seed = ns['wasi:random/insecure-seed@0.3.0']!.getInsecureSeed!();
    deepEqual(ns['wasi:random/insecure-seed@0.3.0']!.getInsecureSeed!(), seed);
    deepEqual(ns['wasi:random/insecure-seed']!.insecureSeed!(), seed);
  });

  it('withheld clocks and random refuse every 0.3 call with CAPABILITY_DENIED naming the grant', () => {
    const { ns, denied } = imports({ clocks: false, random: false });
    for (const [iface, fn] of [['wasi:clocks/monotonic-clock@0.3.0', 'waitFor'], ['wasi:clocks/system-clock@0.3.0', 'now'], ['wasi:random/random@0.3.0', 'getRandomBytes'], ['wasi:random/insecure-seed@0.3.0', 'getInsecureSeed']] as const) {
      const e = throws(() => ns[iface]![fn]!(1n)) as IsowasmError;
      equal(e.code, 'CAPABILITY_DENIED', `${iface}#${fn}`);
    }
    ok(typeof ns['wasi:clocks/types@0.3.0'] === 'object', 'a types-only interface still links');
    ok(denied.some((e) => /capabilities\.clocks/.test(e.message)) && denied.some((e) => /capabilities\.random/.test(e.message)));
  });
});

type Desc = Record<string, Fn>;

function fsHost(files: Record<string, string | null> = {}, readOnly = false) {
  const volume = createMemoryVolume(files);
  const h = imports({ fs: { preopens: { '/data': { volume, readOnly } } } });
  const dirs = h.ns['wasi:filesystem/preopens@0.3.0']!.getDirectories!() as [Desc, string][];
  return { ...h, volume, root: dirs[0]![0], dirs };
}

/** The error a 0.3 async method throws (a variant), or a failure. */
function code(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    ok(!(e instanceof Error), `expected an error code, got ${String(e)}`);
    return e;
  }
  throw new Error('expected an error code, but the call returned');
}

describe('WASI 0.3 rooms: wasi:filesystem@0.3.0', () => {
  it('lists the preopens; no grant, no directories', () => {
    const { dirs, root } = fsHost();
    deepEqual(dirs.map(([, p]) => p), ['/data']);
    deepEqual(root.getType!(), { tag: 'directory' });
    deepEqual(root.getFlags!(), { read: true, mutateDirectory: true });
    deepEqual(imports({}).ns['wasi:filesystem/preopens@0.3.0']!.getDirectories!(), []);
  });

  it('writes a file through a stream at an offset and reads it back through streams (p3_filesystem_file_read_write)', async () => {
    const { root, volume } = fsHost();
    const f = root.openAt!({}, 'test.txt', { create: true }, { read: true, write: true }) as Desc;
    deepEqual(await f.writeViaStream!(guestStream(['Hello, ', 'World!']).stream, 5n), { tag: 'ok' });
    equal(dec.decode(volume.read(['test.txt'], 0, 100)), '\0\0\0\0\0Hello, World!');
    const [whole, done] = f.readViaStream!(0n) as [ReadableStream<Uint8Array>, Promise<unknown>];
    equal(text(await readAll(whole)), '\0\0\0\0\0Hello, World!');
    deepEqual(await done, { tag: 'ok' });
    const [tail] = f.readViaStream!(5n) as [ReadableStream<Uint8Array>];
    equal(text(await readAll(tail)), 'Hello, World!');
    deepEqual(await f.appendViaStream!(guestStream(['!!']).stream), { tag: 'ok' });
    deepEqual((f.stat!() as { size: bigint; type: unknown }).size, 20n);
    deepEqual((f.stat!() as { type: unknown }).type, { tag: 'regular-file' });
    root.unlinkFileAt!('test.txt');
    deepEqual(volume.readdir([]), []);
  });

  it('reads a file longer than one chunk, from any offset (p3_file_write, 64 KiB and a bit)', async () => {
    const { root } = fsHost();
    const content = Array.from({ length: 4100 }, (_, n) => `123456789 ${String(n).padStart(5, '0')} `).join('');
    const w = root.openAt!({}, 'long_write.txt', { create: true }, { write: true }) as Desc;
    deepEqual(await w.writeViaStream!(guestStream([content.slice(0, 30000), content.slice(30000)]).stream, 0n), { tag: 'ok' });
    equal((w.stat!() as { size: bigint }).size, BigInt(content.length));
    const r = root.openAt!({}, 'long_write.txt', {}, { read: true }) as Desc;
    const [s] = r.readViaStream!(0n) as [ReadableStream<Uint8Array>];
    const chunks = await readAll(s);
    ok(chunks.length > 1, 'more than one chunk');
    equal(text(chunks), content);
    const [end] = r.readViaStream!(BigInt(content.length - 100)) as [ReadableStream<Uint8Array>];
    equal(text(await readAll(end)), content.slice(-100));
  });

  it('a write stream on a descriptor not open for writing is refused unread; a read stream on one not open for reading ends with bad-descriptor', async () => {
    const { root } = fsHost({ f: 'x' });
    const ro = root.openAt!({}, 'f', {}, { read: true }) as Desc;
    const a = guestStream(['x']);
    deepEqual(await ro.writeViaStream!(a.stream, 0n), { tag: 'err', val: { tag: 'bad-descriptor' } });
    equal(a.state.pulled, 0);
    ok(a.state.cancelled, 'the guest\'s write sees its stream dropped');
    const b = guestStream(['y']);
    deepEqual(await ro.appendViaStream!(b.stream), { tag: 'err', val: { tag: 'bad-descriptor' } });
    ok(b.state.cancelled);
    const wo = root.openAt!({}, 'f', {}, { write: true }) as Desc;
    const [s, done] = wo.readViaStream!(0n) as [ReadableStream<Uint8Array>, Promise<unknown>];
    deepEqual(await readAll(s), []);
    deepEqual(await done, { tag: 'err', val: { tag: 'bad-descriptor' } });
  });

  it('a file replaced under a write stream ends it with bad-descriptor and cancels the guest\'s stream', async () => {
    const { root, volume } = fsHost({ f: '' });
    const f = root.openAt!({}, 'f', {}, { write: true }) as Desc;
    const state = { cancelled: false };
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ === 1) {
          volume.unlink(['f']);
          volume.createFile(['f']);
        }
        c.enqueue(enc.encode('data'));
      },
      cancel() { state.cancelled = true; },
    }, { highWaterMark: 0 });
    deepEqual(await f.writeViaStream!(stream, 0n), { tag: 'err', val: { tag: 'bad-descriptor' } });
    ok(state.cancelled);
  });

  it('lists a directory as a stream of entries with 0.3 types (p3_readdir)', async () => {
    const { root } = fsHost();
    const [empty, d0] = root.readDirectory!() as [ReadableStream<unknown>, Promise<unknown>];
    deepEqual(await readAll(empty), []);
    deepEqual(await d0, { tag: 'ok' });
    root.openAt!({}, 'file', { create: true }, { read: true, write: true });
    root.createDirectoryAt!('nested');
    const nested = root.openAt!({}, 'nested', { directory: true }, {}) as Desc;
    const [s, done] = root.readDirectory!() as [ReadableStream<{ name: string; type: unknown }>, Promise<unknown>];
    const entries = (await readAll(s)).sort((x, y) => x.name.localeCompare(y.name));
    deepEqual(entries, [{ type: { tag: 'regular-file' }, name: 'file' }, { type: { tag: 'directory' }, name: 'nested' }]);
    deepEqual(await done, { tag: 'ok' });
    deepEqual(await readAll((nested.readDirectory!() as [ReadableStream<unknown>])[0]), []);
    for (let i = 0; i < 1000; i++) root.openAt!({}, `file.${i}`, { create: true }, { read: true, write: true });
    equal((await readAll((root.readDirectory!() as [ReadableStream<unknown>])[0])).length, 1002);
    root.unlinkFileAt!('file');
    root.removeDirectoryAt!('nested');
    const f = root.openAt!({}, 'file.0', {}, { read: true }) as Desc;
    const [none, failed] = f.readDirectory!() as [ReadableStream<unknown>, Promise<unknown>];
    deepEqual(await readAll(none), []);
    deepEqual(await failed, { tag: 'err', val: { tag: 'not-directory' } });
  });

  it('fails with 0.3 error-code variants, confines paths like 0.2 and reports escapes', () => {
    const { root, denied } = fsHost({ f: 'x' });
    deepEqual(code(() => root.openAt!({}, 'nope', {}, { read: true })), { tag: 'no-entry' });
    deepEqual(code(() => root.openAt!({}, 'f', { create: true, exclusive: true }, { read: true })), { tag: 'exist' });
    deepEqual(code(() => root.openAt!({}, '../outside', {}, { read: true })), { tag: 'not-permitted' });
    deepEqual(code(() => root.statAt!({}, '/etc/passwd')), { tag: 'not-permitted' });
    deepEqual(code(() => root.symlinkAt!('../../x', 'l')), { tag: 'not-permitted' });
    ok(denied.length > 0 && denied.every((e) => e.code === 'CAPABILITY_DENIED'));
    deepEqual((root.statAt!({}, 'f') as { type: unknown }).type, { tag: 'regular-file' });
  });

  it('a read-only preopen refuses changes with read-only', async () => {
    const { root } = fsHost({ f: 'x' }, true);
    deepEqual(code(() => root.openAt!({}, 'f', {}, { write: true })), { tag: 'read-only' });
    deepEqual(code(() => root.createDirectoryAt!('d')), { tag: 'read-only' });
    deepEqual(code(() => root.unlinkFileAt!('f')), { tag: 'read-only' });
    const [s] = (root.openAt!({}, 'f', {}, { read: true }) as Desc).readViaStream!(0n) as [ReadableStream<Uint8Array>];
    equal(text(await readAll(s)), 'x');
  });

  it('serves the same volume to 0.2 and 0.3 descriptors; identity, rename and links work across descriptors of one version', () => {
    const { ns, root, volume } = fsHost({ 'd/': null });
    const root2 = (ns['wasi:filesystem/preopens']!.getDirectories!() as [Desc, string][])[0]![0];
    const f = root.openAt!({}, 'd/a', { create: true }, { write: true }) as Desc;
    equal(root2.statAt!({}, 'd/a').type, 'regular-file', 'the 0.2 room sees what 0.3 made');
    const d = root.openAt!({}, 'd', { directory: true }, { mutateDirectory: true }) as Desc;
    root.renameAt!('d/a', d, 'b');
    equal(volume.lstat(['d', 'b']).type, 'regular-file');
    equal(root.isSameObject!(root.openAt!({}, 'd/b', {}, { read: true })), false);
    equal((root.openAt!({}, 'd/b', {}, { read: true }) as Desc).isSameObject!(f), true, 'the open descriptor followed its rename');
    // a 0.2 descriptor is not a 0.3 one
    deepEqual(code(() => root.renameAt!('d/b', root2, 'c')), { tag: 'bad-descriptor' });
    deepEqual(root.metadataHashAt!({}, 'd/b'), (f.metadataHash!() as unknown));
  });

  it('on a volume that persists asynchronously, a change answers once it is flushed (a write stream\'s ok too); reads don\'t wait', async () => {
    const mem = createMemoryVolume({ f: 'x' });
    const log: string[] = [];
    let release: () => void = () => {};
    const volume = new Proxy(mem, {
      get(t, k) {
        if (k === 'async') return true;
        if (k === 'flush') return () => { log.push('flush'); return new Promise<void>((r) => { release = () => { log.push('flushed'); r(); }; }); };
        const v = (t as unknown as Record<string | symbol, unknown>)[k];
        return typeof v === 'function' ? (v as Fn).bind(t) : v;
      },
    });
    const h = imports({ fs: { preopens: { '/': volume } } });
    const root = (h.ns['wasi:filesystem/preopens@0.3.0']!.getDirectories!() as [Desc, string][])[0]![0];
    ok(!((root.openAt!({}, 'f', {}, { read: true })) instanceof Promise), 'opening without creating answers at once');
    const created = root.openAt!({}, 'g', { create: true }, { write: true }) as Promise<Desc>;
    ok(created instanceof Promise);
    let done = false;
    void created.then(() => { done = true; });
    await Promise.resolve();
    equal(done, false, 'not before the flush');
    release();
    const g = await created;
    deepEqual(log, ['flush', 'flushed']);
    const written = g.writeViaStream!(guestStream(['data']).stream, 0n) as Promise<unknown>;
    for (let i = 0; i < 10 && log.length < 3; i++) await new Promise((r) => setTimeout(r, 0));
    deepEqual(log, ['flush', 'flushed', 'flush'], 'the write stream ended and asked for a flush');
    release();
    deepEqual(await written, { tag: 'ok' });
    const removed = root.unlinkFileAt!('g') as Promise<void>;
    release();
    await removed;
    deepEqual(log, ['flush', 'flushed', 'flush', 'flushed', 'flush', 'flushed']);
  });
});
