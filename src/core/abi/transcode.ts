/**
 * A small WebAssembly module that transcodes strings for strings.ts (source: transcode.wat; the
 * bytes below are written by scripts/build-transcoder.mjs). It needs the JS String Builtins
 * (Chromium 130+, Node 24+, Firefox 134+) and so WebAssembly GC: elsewhere `transcoder()` is null
 * and strings.ts uses TextEncoder and JS alone.
 */

const HEX =
  // BEGIN transcoder bytes
  '0061736d010000000126075e770160016f017f60026f7f017f600363007f7f01646f60017f0060017f017f60017f016f' +
  '0258030e7761736d3a6a732d737472696e67066c656e67746800010e7761736d3a6a732d737472696e670a6368617243' +
  '6f6465417400020e7761736d3a6a732d737472696e671166726f6d43686172436f646541727261790003030605010104' +
  '05060503010001060701630001d0000b073706066d656d6f72790200047574663800030575746631360004066c617469' +
  '6e31000505617363696900060a66726f6d4c6174696e3100070a9d0505b70201057f2000100021020240034020012002' +
  '4f0d012000200110012103200141016a21012003418001490440200520033a0000200541016a21050c010b2003418010' +
  '490440200541c081022003410676722003413f71410874723b0100200541026a21050c010b20034180f003714180b003' +
  '470440200541e081022003410c76722003410676413f71410874723b010020054180012003413f71723a000220054103' +
  '6a21050c010b20034180b8034f0440417f0f0b200120024f0440417f0f0b200020011001210420044180f803714180b8' +
  '03470440417f0f0b200141016a210141808004200341ff0771410a74200441ff0771726a2103200541f0818284782003' +
  '411276722003410c76413f71410874722003410676413f714110742003413f714118747272360200200541046a21050c' +
  '000b0b20050b8c0101057f20001000210202400340200120024f0d012000200110012103200141017420033b01002005' +
  '2003722105200141016a210120034180f003714180b003470d0020034180b8034f0440417f0f0b200120024f0440417f' +
  '0f0b200020011001210420044180f803714180b803470440417f0f0b200141017420043b0100200141016a21010c000b' +
  '0b20050b2701017f02400340200120004f0d01200120014101742f01003a0000200141016a21010c000b0b0b5802017f' +
  '017e02400340200141086a20004b0d0120022001290300842102200141086a21010c000b0b02400340200120004f0d01' +
  '20022001310000842102200141016a21010c000b0b200242808182848890a0c0807f83500b5302017f01630023002102' +
  '2002d1047f4101052002fb0f2000490b04402000fb07002102200224000b02400340200120004f0d012002200120012d' +
  '0000fb0e00200141016a21010c000b0b20024100200010020b';
  // END transcoder bytes

/** The exports of transcode.wat, with a view of its memory that follows `memory.grow`. */
export interface Transcoder {
  /** Writes the UTF-8 of `s` at `bytes()[0]` (after `reserve(3 * s.length)`); -1: a lone surrogate */
  utf8(s: string): number;
  /**
   * Writes the code units of `s` at `bytes()[0]` (after `reserve(2 * s.length)`) and returns
   * them or-ed together (<= 0xff: latin1); -1: a lone surrogate
   */
  utf16(s: string): number;
  /** Narrows the `n` code units `utf16` wrote (all <= 0xff) to `n` bytes at `bytes()[0]`. */
  latin1(n: number): void;
  /** 1 if the `n` bytes at `bytes()[0]` are all ASCII, else 0 */
  ascii(n: number): number;
  /** The string of the `n` latin1 bytes at `bytes()[0]` (a one-byte string in V8). */
  fromLatin1(n: number): string;
  /** Makes the memory hold at least `size` bytes. */
  reserve(size: number): void;
  /** The module's memory, as bytes. */
  bytes(): Uint8Array;
}

let instance: Transcoder | null | undefined;

/** The transcoder, compiled on first use; null when the engine lacks the JS String Builtins. */
export function transcoder(): Transcoder | null {
  if (instance === undefined) instance = compile();
  return instance;
}

function compile(): Transcoder | null {
  const code = new Uint8Array(HEX.length / 2);
  for (let i = 0; i < code.length; i++) code[i] = parseInt(HEX.slice(2 * i, 2 * i + 2), 16);
  // The second argument is the JS String Builtins' compile option; engines without them ignore
  // it and leave `wasm:js-string` among the imports, which is how their absence shows.
  const Module = WebAssembly.Module as unknown as new (bytes: Uint8Array, options: { builtins: string[] }) => WebAssembly.Module;
  let module: WebAssembly.Module;
  try {
    module = new Module(code, { builtins: ['js-string'] });
  } catch {
    // an engine without WebAssembly GC, or an embedder that forbids compiling WebAssembly at run
    // time (workerd, a page whose CSP lacks 'wasm-unsafe-eval'): strings.ts does without, as in
    // engines without the builtins
    return null;
  }
  if (WebAssembly.Module.imports(module).length !== 0) return null;
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Omit<Transcoder, 'reserve' | 'bytes'> & { memory: WebAssembly.Memory };
  const memory = exports.memory;
  let view = new Uint8Array(memory.buffer);
  return {
    utf8: exports.utf8,
    utf16: exports.utf16,
    latin1: exports.latin1,
    ascii: exports.ascii,
    fromLatin1: exports.fromLatin1,
    reserve(size) {
      if (size <= view.length) return;
      memory.grow(Math.ceil((size - view.length) / 65536));
      view = new Uint8Array(memory.buffer);
    },
    bytes: () => view,
  };
}
