/**
 * Strings in each string encoding of the Canonical ABI (utf8, utf16, latin1+utf16), through the
 * forwarding `values-*` fixtures (see test/fixtures/values-generate.mjs): each value runs through
 * isowasm and jco's bindings of the same component with the same recording host. jco 1.35 can't
 * transpile latin1+utf16 components, so that encoding is checked against the expected values only.
 * `inspect.rawString` shows the bytes the host wrote into linear memory, so the tests also check
 * that each encoding really is the one used.
 */
import { describe, it } from '../harness/test-api.js';
import { echo, fnOf, type Pair, pair, same } from './values-harness.js';

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
