/**
 * A small WebAssembly module that transcodes strings for strings.ts (source: transcode.wat; the
 * bytes below are written by scripts/build-transcoder.mjs). It needs the JS String Builtins
 * (Chromium 130+, Node 24+, Firefox 134+) and so WebAssembly GC: elsewhere `transcoder()` is null
 * and strings.ts uses TextEncoder and JS alone.
 */

const BASE64 =
  // BEGIN transcoder bytes
  'AGFzbQEAAAABJgdedwFgAW8Bf2ACb38Bf2ADYwB/fwFkb2ABfwBgAX8Bf2ABfwFvAlgDDndhc206anMtc3RyaW5nBmxlbmd0' +
  'aAABDndhc206anMtc3RyaW5nCmNoYXJDb2RlQXQAAg53YXNtOmpzLXN0cmluZxFmcm9tQ2hhckNvZGVBcnJheQADAwYFAQEE' +
  'BQYFAwEAAQYHAWMAAdAACwc3BgZtZW1vcnkCAAR1dGY4AAMFdXRmMTYABAZsYXRpbjEABQVhc2NpaQAGCmZyb21MYXRpbjEA' +
  'BwqdBQW3AgEFfyAAEAAhAgJAA0AgASACTw0BIAAgARABIQMgAUEBaiEBIANBgAFJBEAgBSADOgAAIAVBAWohBQwBCyADQYAQ' +
  'SQRAIAVBwIECIANBBnZyIANBP3FBCHRyOwEAIAVBAmohBQwBCyADQYDwA3FBgLADRwRAIAVB4IECIANBDHZyIANBBnZBP3FB' +
  'CHRyOwEAIAVBgAEgA0E/cXI6AAIgBUEDaiEFDAELIANBgLgDTwRAQX8PCyABIAJPBEBBfw8LIAAgARABIQQgBEGA+ANxQYC4' +
  'A0cEQEF/DwsgAUEBaiEBQYCABCADQf8HcUEKdCAEQf8HcXJqIQMgBUHwgYKEeCADQRJ2ciADQQx2QT9xQQh0ciADQQZ2QT9x' +
  'QRB0IANBP3FBGHRycjYCACAFQQRqIQUMAAsLIAULjAEBBX8gABAAIQICQANAIAEgAk8NASAAIAEQASEDIAFBAXQgAzsBACAF' +
  'IANyIQUgAUEBaiEBIANBgPADcUGAsANHDQAgA0GAuANPBEBBfw8LIAEgAk8EQEF/DwsgACABEAEhBCAEQYD4A3FBgLgDRwRA' +
  'QX8PCyABQQF0IAQ7AQAgAUEBaiEBDAALCyAFCycBAX8CQANAIAEgAE8NASABIAFBAXQvAQA6AAAgAUEBaiEBDAALCwtYAgF/' +
  'AX4CQANAIAFBCGogAEsNASACIAEpAwCEIQIgAUEIaiEBDAALCwJAA0AgASAATw0BIAIgATEAAIQhAiABQQFqIQEMAAsLIAJC' +
  'gIGChIiQoMCAf4NQC1MCAX8BYwAjACECIALRBH9BAQUgAvsPIABJCwRAIAD7BwAhAiACJAALAkADQCABIABPDQEgAiABIAEt' +
  'AAD7DgAgAUEBaiEBDAALCyACQQAgABACCw==';
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
  const code = Uint8Array.from(atob(BASE64), (c) => c.charCodeAt(0));
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
