/**
 * A small WebAssembly module that transcodes strings for strings.ts (source: transcode.wat; the
 * bytes below are written by scripts/build-transcoder.mjs). It needs the JS String Builtins
 * (Chromium 130+, Node 24+, Firefox 134+): elsewhere `transcoder()` is null and strings.ts uses
 * TextEncoder alone.
 */

const HEX =
  // BEGIN transcoder bytes
  '0061736d0100000001100360016f017f60026f7f017f60017f000235020e7761736d3a6a732d737472696e67066c656e' +
  '67746800000e7761736d3a6a732d737472696e670a63686172436f646541740001030403000002050301000107220406' +
  '6d656d6f72790200047574663800020575746631360003066c6174696e3100040af00303b70201057f20001000210202' +
  '400340200120024f0d012000200110012103200141016a21012003418001490440200520033a0000200541016a21050c' +
  '010b2003418010490440200541c081022003410676722003413f71410874723b0100200541026a21050c010b20034180' +
  'f003714180b003470440200541e081022003410c76722003410676413f71410874723b010020054180012003413f7172' +
  '3a0002200541036a21050c010b20034180b8034f0440417f0f0b200120024f0440417f0f0b2000200110012104200441' +
  '80f803714180b803470440417f0f0b200141016a210141808004200341ff0771410a74200441ff0771726a2103200541' +
  'f0818284782003411276722003410c76413f71410874722003410676413f714110742003413f71411874727236020020' +
  '0541046a21050c000b0b20050b8c0101057f20001000210202400340200120024f0d0120002001100121032001410174' +
  '20033b010020052003722105200141016a210120034180f003714180b003470d0020034180b8034f0440417f0f0b2001' +
  '20024f0440417f0f0b200020011001210420044180f803714180b803470440417f0f0b200141017420043b0100200141' +
  '016a21010c000b0b20050b2701017f02400340200120004f0d01200120014101742f01003a0000200141016a21010c00' +
  '0b0b0b';
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
    // an embedder that forbids compiling WebAssembly at run time (workerd, a page whose CSP lacks
    // 'wasm-unsafe-eval'): TextEncoder does the work instead, as in engines without the builtins
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
    reserve(size) {
      if (size <= view.length) return;
      memory.grow(Math.ceil((size - view.length) / 65536));
      view = new Uint8Array(memory.buffer);
    },
    bytes: () => view,
  };
}
