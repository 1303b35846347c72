/**
 * `stream<u8>` and `future<T>` between JS and a guest (test/fixtures/stream-pipe.wat relays its input stream
 * into the one it returns, 64 KiB at a time): every byte arrives in order whatever the chunks,
 * a stream one guest gave moves to another untouched, the host cancelling its read ends the
 * guest's copy and cancels the source, and a failing source ends the instance; a future a guest
 * returns (test/fixtures/future-give.wat) is a promise of its value in JS.
 */
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { mulberry32 } from '../harness/prng.js';
import { describe, it } from '../harness/test-api.js';

interface Pipe {
  pipe(s: unknown): Promise<ReadableStream<Uint8Array>>;
  total(): bigint | Promise<bigint>;
}

async function pipe(): Promise<Pipe> {
  const { loadComponent } = await platform();
  return (await (await loadComponent(await readFixture('stream-pipe'))).instantiate()).exports as unknown as Pipe;
}

/** `bytes` as a ReadableStream of chunks of random sizes (1 byte to 100 KiB), made as it is read. */
function chunked(bytes: Uint8Array, seed: number, onCancel?: () => void): ReadableStream<Uint8Array> {
  const next = mulberry32(seed);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) {
        c.close();
        return;
      }
      const n = Math.min(bytes.length - at, 1 + Math.floor(next() * 100 * 1024));
      c.enqueue(bytes.slice(at, at + n));
      at += n;
    },
    cancel() { onCancel?.(); },
  }, { highWaterMark: 0 });
}

/** Fails a read that would hang (copies broken) instead of stalling the run. */
async function collect(rs: ReadableStream<Uint8Array>, ms = 10_000): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the stream did not end within ${ms} ms`)), ms); });
  try {
    return await Promise.race([collectAll(rs), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function collectAll(rs: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const r = rs.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    ok(value instanceof Uint8Array, 'a stream<u8> gives Uint8Array chunks');
    parts.push(value);
    n += value.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

describe('stream<u8> between JS and a guest', () => {
  it('every byte comes back in order, whatever the sizes of the chunks (3 MB, 3 seeds)', async () => {
    const bytes = pattern(3 * 2 ** 20 + 17);
    for (const seed of [1, 2, 3]) {
      const g = await pipe();
      const out = await collect(await g.pipe(chunked(bytes, seed)));
      equal(out.length, bytes.length);
      ok(out.every((b, i) => b === bytes[i]), `seed ${seed}: the bytes differ`);
      equal(await g.total(), BigInt(bytes.length));
    }
  });

  it('an async iterable of Uint8Arrays works as a source too, and an empty stream ends at once', async () => {
    const g = await pipe();
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1, 2, 3]);
      yield new Uint8Array([]);
      yield new Uint8Array([4]);
    }
    deepEqual([...await collect(await g.pipe(gen()))], [1, 2, 3, 4]);
    deepEqual([...await collect(await g.pipe(new ReadableStream({ start(c) { c.close(); } })))], []);
  });

  it('a stream one guest gives moves to another as it is (pipe into pipe)', async () => {
    const a = await pipe();
    const b = await pipe();
    const bytes = pattern(500_000);
    const mid = await a.pipe(chunked(bytes, 7));
    const out = await collect(await b.pipe(mid));
    ok(out.length === bytes.length && out.every((x, i) => x === bytes[i]), 'the bytes differ');
    // moved: the host never read it (pumping it would have locked it with a reader)
    ok(!mid.locked, 'the stream between the guests was moved, not read by the host');
  });

  it('the host cancelling its read ends the guest\'s copy and cancels the source', async () => {
    const g = await pipe();
    let cancelled = false;
    const bytes = pattern(10 * 2 ** 20);
    const out = await g.pipe(chunked(bytes, 5, () => { cancelled = true; }));
    const r = out.getReader();
    const first = await r.read();
    ok(!first.done && first.value.length > 0);
    await r.cancel();
    for (let k = 0; k < 50 && !cancelled; k++) await new Promise((go) => setTimeout(go, 5));
    ok(cancelled, 'the source was cancelled');
    ok(Number(await g.total()) < bytes.length, 'the guest stopped before the end');
    // the instance is fine: a new pipe works
    deepEqual([...await collect(await g.pipe(chunked(new Uint8Array([9, 8, 7]), 1)))], [9, 8, 7]);
  });

  it('a source that fails ends the instance with its error; the guest\'s stream errors with it', async () => {
    const g = await pipe();
    let n = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ < 2) c.enqueue(new Uint8Array(1000));
        else c.error(new Error('the disk went away'));
      },
    }, { highWaterMark: 0 });
    const out = await g.pipe(failing);
    await rejects(collect(out), { message: /the disk went away|trapped|poisoned|failed/i });
    await rejects(async () => { await g.pipe(chunked(new Uint8Array(1), 1)); }, { code: 'INSTANCE_POISONED', message: /the disk went away/ });
  });

  it('what is not a stream is refused with a TypeError naming what it expected', async () => {
    const g = await pipe();
    const e = await rejects(g.pipe('not a stream'), { name: 'TypeError' }) as Error;
    ok(/ReadableStream of Uint8Array chunks/.test(e.message), e.message);
  });
});

describe('future<T> between JS and a guest', () => {
  it('an async export returning a future<u8> gives JS a promise of its value (the future itself reaches a guest caller as it is)', async () => {
    const { loadComponent } = await platform();
    const { exports } = await (await loadComponent(await readFixture('future-give'))).instantiate();
    const give = (exports as unknown as { give(): Promise<number> }).give;
    const p = give();
    ok(p instanceof Promise);
    equal(await p, 0x42);
    equal(await give(), 0x42);
  });
});
