/**
 * Strings in each string encoding of the Canonical ABI (utf8, utf16, latin1+utf16), through the
 * forwarding `values-*` fixtures (see test/fixtures/values-generate.mjs): each value runs through
 * isowasm and jco's bindings of the same component with the same recording host. jco 1.35 can't
 * transpile latin1+utf16 components, so that encoding is checked against the expected values only.
 * `inspect.rawString` shows the bytes the host wrote into linear memory, so the tests also check
 * that each encoding really is the one used.
 */
import { Cx, type InstanceState } from '../../src/core/abi/context.js';
import { liftString, loweredLength, lowerString } from '../../src/core/abi/strings.js';
import { transcoder } from '../../src/core/abi/transcode.js';
import { AbiTrap, IsowasmError } from '../../src/core/errors.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import { equal, ok, throws } from '../harness/assert.js';
import { describe, isNode, it } from '../harness/test-api.js';
import { brief, echo, fnOf, type Pair, pair, same } from './values-harness.js';

const MB = 1 << 20;
const UTF16_TAG = 2 ** 31;

const enc = new TextEncoder();
function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(2 * s.length);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}
function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Strings every encoding must carry unchanged. */
const STRINGS: readonly string[] = [
  '',
  'hello',
  '\0',
  'é', // 2 UTF-8 bytes
  '€', // 3 UTF-8 bytes
  '😀', // 4 UTF-8 bytes, a surrogate pair in UTF-16
  'aé€😀z\0\u{10ffff}\u{10000}\uffff\ud7ff\ue000',
  'café ÿ\u0080\u00a0', // latin1 content
  'Ā ĉ 漢字', // not latin1
  'a'.repeat(32) + 'é', // around the lengths where the UTF-8 paths of the runtime change
  'a'.repeat(30) + '😀',
  'a'.repeat(31) + '😀',
  'a'.repeat(23) + 'é',
  'b'.repeat(24),
  'c'.repeat(25),
  'é'.repeat(33),
  '😀'.repeat(17),
];

const BIG_ASCII = 'x'.repeat(MB);
const BIG_LATIN1 = 'é\u00ff'.repeat(MB / 2);
const BIG_MIXED = 'aé€😀'.repeat(MB / 8); // 1 MB of UTF-8 (10 bytes per repetition, ~1.3 MB)

type Encoding = 'utf8' | 'utf16' | 'latin1+utf16';
const FIXTURES: readonly [string, Encoding, boolean][] = [
  ['values-utf8', 'utf8', true],
  ['values-utf16', 'utf16', true],
  ['values-latin1', 'latin1+utf16', false],
];

/** The (raw length, bytes) the spec's store_string puts in the guest's memory. */
function stored(s: string, e: Encoding): [number, Uint8Array] {
  if (e === 'utf8') {
    const b = enc.encode(s);
    return [b.length, b];
  }
  if (e === 'utf16') return [s.length, utf16le(s)];
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return [(s.length | UTF16_TAG) >>> 0, utf16le(s)];
  return [s.length, latin1(s)];
}

for (const [fixture, encoding, withJco] of FIXTURES) {
  const vs = withJco ? 'isowasm vs jco' : 'isowasm only: jco 1.35 does not support latin1+utf16';
  const withPair = (body: (p: Pair) => void) => async () => body(await pair(fixture, withJco));
  const S = 'strings';

  describe(`values: strings in ${encoding} (${vs})`, () => {
    it("'', ASCII, 2-, 3- and 4-byte UTF-8 characters mixed, latin1 and non-latin1 content", withPair((p) => {
      for (const s of STRINGS) echo(p, S, 'echoString', s);
    }));
    it('1 MB strings (ASCII, latin1, mixed)', withPair((p) => {
      for (const s of [BIG_ASCII, BIG_LATIN1, BIG_MIXED]) echo(p, S, 'echoString', s);
    }));
    it('list<string>', withPair((p) => {
      echo(p, S, 'echoListString', []);
      echo(p, S, 'echoListString', ['']);
      echo(p, S, 'echoListString', [...STRINGS]);
      echo(p, S, 'echoListString', [BIG_ASCII.slice(0, MB / 2), BIG_MIXED.slice(0, 5 * 50000), BIG_LATIN1.slice(0, MB / 4)]);
      echo(p, S, 'echoListString', Array.from({ length: 10000 }, (_, i) => (i % 3 === 0 ? `é${i}` : i % 3 === 1 ? `Ā${i}` : `${i}`)));
    }));
    it('list<char>', withPair((p) => {
      echo(p, S, 'echoListChar', []);
      echo(p, S, 'echoListChar', ['a', '\0', 'é', '€', '😀', '\ud7ff', '\ue000', '\uffff', '\u{10ffff}']);
    }));
    it('option<string> and tuple<string, char, string>', withPair((p) => {
      echo(p, S, 'echoOptionString', undefined);
      echo(p, S, 'echoOptionString', '');
      echo(p, S, 'echoOptionString', 'Ā😀');
      echo(p, S, 'echoStringTuple', ['', 'a', '']);
      echo(p, S, 'echoStringTuple', ['café', '😀', '漢字']);
    }));
    it(`the host stores strings in ${encoding}`, withPair((p) => {
      for (const s of ['', 'hello', 'café\u00ff', 'aé€😀', 'Ā', 'x'.repeat(100) + 'Ā']) {
        const [len, raw] = stored(s, encoding);
        const ours = fnOf(p.ours, 'inspect', 'rawString')(s);
        same(ours, [len, raw], `isowasm: rawString(${JSON.stringify(s.slice(0, 20))})`);
        if (p.ref) same(fnOf(p.ref, 'inspect', 'rawString')(s), [len, raw], `jco: rawString(${JSON.stringify(s.slice(0, 20))})`);
      }
    }));
    it(`the host reads strings in ${encoding} from the guest`, withPair((p) => {
      for (const s of ['', 'hello', 'café\u00ff', 'aé€😀', 'Ā漢']) {
        const [len, raw] = stored(s, encoding);
        same(fnOf(p.ours, 'inspect', 'stringFromRaw')(len, raw), s, `isowasm: stringFromRaw(${len}, ...)`);
        if (p.ref) same(fnOf(p.ref, 'inspect', 'stringFromRaw')(len, raw), s, `jco: stringFromRaw(${len}, ...)`);
      }
      if (encoding === 'latin1+utf16') {
        // latin1 content may also come UTF-16-tagged, and non-ASCII latin1 bytes are not UTF-8
        same(fnOf(p.ours, 'inspect', 'stringFromRaw')((2 | UTF16_TAG) >>> 0, utf16le('é\u00ff')), 'é\u00ff', 'isowasm: tagged latin1 content');
        same(fnOf(p.ours, 'inspect', 'stringFromRaw')(3, new Uint8Array([0x80, 0x9f, 0xe9])), '\u0080\u009f\u00e9', 'isowasm: latin1 bytes 0x80-0x9f are U+0080-U+009F');
      }
    }));
  });
}

// ---------------------------------------------------------------------------------------------
// strings.ts directly: each way of lowering and lifting a string, at the lengths and contents
// where it changes, with a recording realloc and budgets

/** Where strings.ts changes paths (see lowerUtf8, lowerUtf16 and sampleMax there). */
const SHORT = 32; // up to this, strings are written by JS loops
const TRANSCODE_LIMIT = 1 << 20; // up to this, the transcoder takes two-byte strings

interface Harness {
  cx: Cx;
  memory: WebAssembly.Memory;
  /** the realloc calls: [oldPtr, oldSize, align, newSize] */
  allocs: number[][];
}

/** A Cx over a fresh memory with a bump allocator (or `realloc`), and the given budgets. */
function harness(encoding: Encoding, opts: { realloc?: (bump: number, align: number, size: number) => number; lowerBytes?: number; liftBytes?: number } = {}): Harness {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const allocs: number[][] = [];
  let bump = 8;
  const realloc = (oldPtr: number, oldSize: number, align: number, size: number): number => {
    allocs.push([oldPtr, oldSize, align, size]);
    if (opts.realloc) return opts.realloc(bump, align, size);
    const ptr = Math.ceil(bump / align) * align;
    bump = ptr + size;
    if (bump > memory.buffer.byteLength) memory.grow(Math.ceil((bump - memory.buffer.byteLength) / 65536));
    return ptr;
  };
  const inst = { mayLeave: true, limits: { ...DEFAULT_LIMITS, lowerBytes: opts.lowerBytes ?? null, liftBytes: opts.liftBytes ?? null } } as unknown as InstanceState;
  const cx = new Cx(inst, memory, realloc, encoding, 'f', 'lift');
  cx.begin();
  return { cx, memory, allocs };
}

/** Lowers `s`, checks the one exact allocation and the stored bytes, lifts it back. */
function roundTrip(encoding: Encoding, s: string): void {
  const h = harness(encoding);
  const what = `${encoding} ${brief(s)}`;
  const ptr = lowerString(h.cx, s);
  const [len, raw] = stored(s, encoding);
  equal(loweredLength, len, `${what}: length`);
  same(h.allocs, [[0, 0, encoding === 'utf8' ? 1 : 2, raw.length]], `${what}: one allocation of the exact size (the preview1 adapter's import allocator allows no more)`);
  same(new Uint8Array(h.memory.buffer, ptr, raw.length), raw, `${what}: stored bytes`);
  const back = liftString(h.cx, ptr, len);
  if (back !== s) same(back, s, `${what}: lifted back`);
}

/** `n` copies of `fill` with `c` at index `at`. */
function place(n: number, at: number, c: string, fill = 'a'): string {
  return fill.repeat(at) + c + fill.repeat(n - at - c.length);
}

const ENCODINGS: readonly Encoding[] = ['utf8', 'utf16', 'latin1+utf16'];

describe('strings.ts: every way of lowering and lifting', () => {
  it('has the transcoder where the JS String Builtins are (Node 24+, Chromium 130+)', () => {
    // test/node/transcode-module.test.ts also runs this file with the builtins turned off
    const node = (globalThis as unknown as { process?: { versions: { node: string }; execArgv: string[] } }).process;
    if (isNode && node!.execArgv.includes('--no-experimental-wasm-imported-strings')) equal(transcoder(), null);
    else if (!isNode || Number(node!.versions.node.split('.')[0]) >= 24) ok(transcoder() !== null, 'transcoder() is null: the tests below only cover the paths without it');
  });

  it('round trips around each length where the path changes', () => {
    for (const e of ENCODINGS) {
      for (const n of [SHORT - 1, SHORT, SHORT + 1, SHORT + 2, 100]) {
        for (const c of ['a', 'é', 'Ā', '€', '\uffff']) roundTrip(e, c.repeat(n));
        roundTrip(e, place(n, n - 2, '😀', 'Ā')); // a pair ending the string
        roundTrip(e, place(n, 0, '😀', 'é'));
        roundTrip(e, '😀'.repeat(n >> 1));
      }
    }
  });

  it('round trips whichever code units the sampler sees (one above 0xff: the transcoder; all ASCII: TextEncoder first)', () => {
    // the sampler reads units (k * n) >>> 3 for k < 8, and the last one: 0, 12, 25, ..., 87, 99;
    // a character it misses sends an ASCII attempt (utf16, latin1) back to the transcoder
    for (const e of ENCODINGS) {
      for (const at of [0, 1, 11, 12, 13, 50, 51, 86, 87, 97, 98]) {
        for (const c of ['é', 'Ā', '€', '😀']) {
          roundTrip(e, place(100, at, c));
          roundTrip(e, place(100, at, c, 'ÿ'));
        }
      }
      roundTrip(e, place(100, 99, 'Ā'));
    }
  });

  it('round trips every length of UTF-8 sequence and the edges between them', () => {
    const edges = '\u007f\u0080\u07ff\u0800\ud7ff\ue000\ufffd\ufeff\uffff\u{10000}\u{10ffff}\0';
    for (const e of ENCODINGS) {
      for (const s of [edges.repeat(10), `x${edges.repeat(10)}`, multiByteText(1000), multiByteText(33), 'aé€😀'.repeat(25)]) roundTrip(e, s);
    }
  });

  it('a lone surrogate is a TypeError on every path, naming its index, before anything is allocated', () => {
    const bad: [string, number][] = [
      ['\ud800', 0], ['a\udc00', 1], // short
      [place(100, 50, '\ud800'), 50], // sampled: the transcoder
      [place(100, 51, '\ud800'), 51], // not sampled: TextEncoder
      [place(100, 51, '\udc00', 'Ā'), 51],
      ['Ā'.repeat(99) + '\ud800', 99], // a high surrogate ending the string
      ['\udc00' + 'Ā'.repeat(99), 0], // a low one first
      ['Ā'.repeat(40) + '\ud800\ud800\udc00', 40], // a high one followed by a pair
      ['Ā'.repeat(40) + '\ud83da' + 'Ā'.repeat(40), 40],
      ['😀'.repeat(40) + '\ude00😀', 80],
      ['a'.repeat(100) + '\udfff', 100],
      ['é'.repeat(100) + '\ud800', 100], // latin1 content then a lone surrogate
    ];
    for (const e of ENCODINGS) {
      for (const [s, at] of bad) {
        const h = harness(e);
        throws(() => lowerString(h.cx, s), { instanceOf: TypeError, message: new RegExp(`lone surrogate at index ${at}\\b`) });
        equal(h.allocs.length, 0, `${e} ${brief(s)}: nothing allocated`);
        // and the next string is fine
        roundTrip(e, s.replace(/[\ud800-\udfff]/g, 'x'));
      }
    }
  });

  it('lowerBytes is charged before strings are encoded or allocated', () => {
    const cases: [Encoding, string, number, boolean][] = [
      // [encoding, string, lowerBytes, fits]
      ['utf8', 'a'.repeat(100), 99, false],
      ['utf8', 'a'.repeat(100), 100, true],
      ['utf8', 'Ā'.repeat(60), 119, false], // 60 units, 120 bytes: the transcoder's output is over
      ['utf8', 'Ā'.repeat(60), 120, true],
      ['utf8', place(100, 51, '€'), 101, false], // TextEncoder's output is over
      ['utf8', place(100, 51, '€'), 102, true],
      ['utf8', 'Ā'.repeat(20), 39, false], // short
      ['utf16', 'Ā'.repeat(60), 119, false],
      ['utf16', 'a'.repeat(60), 120, true],
      ['latin1+utf16', 'é'.repeat(60), 59, false],
      ['latin1+utf16', 'é'.repeat(60), 60, true],
      ['latin1+utf16', 'Ā'.repeat(60), 119, false],
      ['latin1+utf16', 'Ā'.repeat(60), 120, true],
      ['latin1+utf16', 'Ā'.repeat(20), 39, false], // short
    ];
    for (const [e, s, lowerBytes, fits] of cases) {
      const h = harness(e, { lowerBytes });
      const what = `${e} ${brief(s)} with lowerBytes ${lowerBytes}`;
      if (fits) {
        lowerString(h.cx, s);
        equal(h.allocs.length, 1, what);
      } else {
        throws(() => lowerString(h.cx, s), { instanceOf: IsowasmError, code: 'MEMORY_LIMIT' });
        equal(h.allocs.length, 0, `${what}: nothing allocated`);
      }
    }
  });

  it('liftBytes is charged before a string is decoded', () => {
    for (const e of ENCODINGS) {
      const s = 'Ā'.repeat(100);
      const h = harness(e);
      const ptr = lowerString(h.cx, s);
      const len = loweredLength;
      const bytes = 200; // 'Ā' is 2 bytes in each encoding
      const tight = harness(e, { liftBytes: 16 + bytes - 1 });
      new Uint8Array(tight.memory.buffer).set(new Uint8Array(h.memory.buffer, ptr, bytes), ptr);
      throws(() => liftString(tight.cx, ptr, len), { instanceOf: IsowasmError, code: 'MEMORY_LIMIT' });
      const enough = harness(e, { liftBytes: 16 + bytes });
      new Uint8Array(enough.memory.buffer).set(new Uint8Array(h.memory.buffer, ptr, bytes), ptr);
      equal(liftString(enough.cx, ptr, len), s, e);
    }
  });

  it('a realloc that returns a bad block traps, on every path', () => {
    const strings = ['Āé', 'Ā'.repeat(100), place(100, 51, '€'), 'a'.repeat(100), 'é'.repeat(100)];
    const bad: [string, (bump: number, align: number, size: number) => number, RegExp][] = [
      ['-2', () => -2, /out of bounds/],
      ['past the end', (_b, align, size) => 65536 - size + align, /out of bounds/],
      ['odd', () => 9, /not aligned/],
    ];
    for (const e of ENCODINGS) {
      for (const s of strings) {
        for (const [name, realloc, message] of bad) {
          if (name === 'odd' && e === 'utf8') continue; // byte-aligned
          const h = harness(e, { realloc });
          throws(() => lowerString(h.cx, s), { instanceOf: AbiTrap, message });
          equal(h.allocs.length, 1, `${e} ${brief(s)}, realloc ${name}`);
        }
      }
    }
  });

  it(`round trips strings up to and past the transcoder's limit (${TRANSCODE_LIMIT} code units), growing its memory`, () => {
    for (const e of ENCODINGS) {
      for (const n of [1000, 100_000, TRANSCODE_LIMIT]) roundTrip(e, 'Ā'.repeat(n));
      roundTrip(e, 'Ā'.repeat(TRANSCODE_LIMIT + 1));
      roundTrip(e, '😀'.repeat(TRANSCODE_LIMIT / 2));
      roundTrip(e, `${'😀'.repeat(TRANSCODE_LIMIT / 2 - 1)}é€`);
    }
  });

  it('invalid UTF-8 from the guest traps on every lifting path', () => {
    const bad: number[][] = [
      [0xff], // a byte never used in UTF-8
      [0x80], // a lone continuation byte
      [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], // truncated 2-, 3- and 4-byte sequences
      [0xc0, 0xaf], [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf8, 0x88, 0x80, 0x80, 0x80], // a 5-byte sequence
    ];
    // up to 24 bytes, ASCII is decoded by a JS loop; after the prefix, the bad bytes and a tail
    for (const prefix of [0, 1, 23, 24, 25, 100]) {
      for (const bytes of bad) {
        for (const tail of [[], [0x61], [0xc3, 0xa9]]) {
          const h = harness('utf8');
          const all = [...new Array<number>(prefix).fill(0x61), ...bytes, ...tail];
          new Uint8Array(h.memory.buffer).set(all, 64);
          throws(() => liftString(h.cx, 64, all.length), { instanceOf: AbiTrap, message: /not valid UTF-8/ });
        }
      }
      const h = harness('utf8');
      const good = [...new Array<number>(prefix).fill(0x61), 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0xa9];
      new Uint8Array(h.memory.buffer).set(good, 64);
      equal(liftString(h.cx, 64, good.length), `${'a'.repeat(prefix)}😀é`);
    }
  });

  it('a real U+FFFD from the guest is kept; with it, invalid bytes still trap', () => {
    // (the replacing decoder's output is searched for U+FFFD; one sends the bytes to the fatal decoder)
    const fffd = [0xef, 0xbf, 0xbd];
    for (const prefix of [0, 23, 24, 25, 100]) {
      const a = new Array<number>(prefix).fill(0x61);
      const lift = (bytes: number[]): string => {
        const h = harness('utf8');
        new Uint8Array(h.memory.buffer).set(bytes, 64);
        return liftString(h.cx, 64, bytes.length);
      };
      equal(lift([...a, ...fffd]), `${'a'.repeat(prefix)}\ufffd`);
      equal(lift([...fffd, ...a, 0xc3, 0xa9, ...fffd]), `\ufffd${'a'.repeat(prefix)}é\ufffd`);
      for (const bad of [[0xff], [0xed, 0xa0, 0x80], [0xef, 0xbf]]) {
        throws(() => lift([...fffd, ...a, ...bad]), { instanceOf: AbiTrap, message: /not valid UTF-8/ });
        throws(() => lift([...a, ...bad, ...fffd]), { instanceOf: AbiTrap, message: /not valid UTF-8/ });
      }
    }
  });

  it('UTF-16 with a lone surrogate from the guest traps; latin1 bytes 0x80-0xff are U+0080-U+00FF at every length', () => {
    for (const [e, len] of [['utf16', 3], ['latin1+utf16', (3 | UTF16_TAG) >>> 0]] as const) {
      for (const units of [[0x61, 0xd800, 0x61], [0x61, 0x62, 0xdc00], [0xd83d, 0xd83d, 0xde00]]) {
        const h = harness(e);
        new Uint16Array(h.memory.buffer).set(units, 32);
        throws(() => liftString(h.cx, 64, len), { instanceOf: AbiTrap, message: /UTF-16/ });
      }
    }
    const lift = (bytes: Uint8Array): void => {
      const n = bytes.length;
      const h = harness('latin1+utf16');
      if (n + 64 > h.memory.buffer.byteLength) h.memory.grow(Math.ceil((n + 64) / 65536));
      new Uint8Array(h.memory.buffer).set(bytes, 64);
      const s = liftString(h.cx, 64, n);
      equal(s.length, n);
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== bytes[i]) equal(s.charCodeAt(i), bytes[i], `latin1 byte ${i} of ${n}`);
    };
    // up to 32 bytes JS decodes them; then the transcoder, which sends ASCII to TextDecoder
    for (const n of [1, 31, 32, 33, 34, 40, 4095, 4096, 4097, 10_000, TRANSCODE_LIMIT, TRANSCODE_LIMIT + 1]) {
      lift(Uint8Array.from({ length: n }, (_, i) => (i * 7 + 0x80) & 0xff));
      const ascii = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0x7f);
      lift(ascii);
      // one byte above 0x7f, where the ASCII check reads 8 bytes at a time and where it reads the rest one by one
      for (const at of new Set([0, 7, 8, 9, n - 9, n - 8, n - 1].filter((i) => i >= 0 && i < n))) {
        for (const b of [0x80, 0x9f, 0xff]) {
          const one = ascii.slice();
          one[at] = b;
          lift(one);
        }
      }
    }
  });
});

/** Mostly non-ASCII text of `units` code units (the benchmark's kind), no split pair. */
function multiByteText(units: number): string {
  const pattern = 'héllo wörld, ĉu vi? 日本語のテキスト — ✓ 😀 Ελληνικά ';
  let s = pattern.repeat(Math.ceil(units / pattern.length)).slice(0, units);
  if (/[\ud800-\udbff]$/.test(s)) s = `${s.slice(0, -1)}é`;
  return s;
}
