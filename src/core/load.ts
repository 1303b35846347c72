import { Component, type CompileOptions } from './component.js';
import { IsowasmError } from './errors.js';
import { concat } from './bytes.js';
import { checkIntegrity } from './integrity.js';

/** Where a component's bytes come from. */
export type ComponentSource = Uint8Array | ArrayBuffer | ArrayBufferView | URL | string | Response | Promise<Response>;

/** Options of `loadComponent`: reading the bytes, and those of `Component.compile` (`platform`, `limits`). */
export interface LoadOptions extends CompileOptions {
  /** Called as the download progresses (total is null when the server sends no length). */
  readonly onProgress?: (received: number, total: number | null) => void;
  /** Passed to `fetch` when the source is a URL. */
  readonly fetchInit?: RequestInit;
  /**
   * Subresource Integrity metadata (`'sha256-<base64>'`, as `<script integrity>` takes): the
   * bytes are checked before anything parses or compiles them; a mismatch rejects with
   * `INTEGRITY_MISMATCH`. `integrityOf(bytes)` computes it (and `isowasm inspect` prints it).
   */
  readonly integrity?: string;
}

/**
 * Reads a component's bytes from any supported source. Strings and URLs are fetched; a
 * `Response` is read with progress reporting.
 */
export async function readSource(source: ComponentSource, options: LoadOptions = {}): Promise<Uint8Array> {
  if (source instanceof Uint8Array) {
    // a plain view: subclasses such as Node's Buffer make every subarray() slower
    return source.constructor === Uint8Array ? source : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  let response: Response;
  if (typeof source === 'string' || source instanceof URL) {
    try {
      response = await fetch(source, options.fetchInit);
    } catch (e) {
      throw new IsowasmError('LOAD_FAILED', `could not fetch the component at ${String(source)}: ${(e as Error).message}`, { cause: e });
    }
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    response = source;
  } else if (source && typeof (source as Promise<Response>).then === 'function') {
    try {
      response = await source;
    } catch (e) {
      throw new IsowasmError('LOAD_FAILED', `the component's response failed: ${(e as Error).message}`, { cause: e });
    }
  } else {
    throw new TypeError('loadComponent(): source must be bytes (Uint8Array/ArrayBuffer), a URL, a Response or a Promise of one');
  }
  return readResponse(response, options);
}

async function readResponse(response: Response, options: LoadOptions): Promise<Uint8Array> {
  if (!response.ok) {
    throw new IsowasmError('LOAD_FAILED', `fetching the component failed with HTTP ${response.status} ${response.statusText} (${response.url})`);
  }
  const lengthHeader = response.headers.get('content-length');
  const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const onProgress = options.onProgress;
  if (!onProgress || !response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, total);
  }
  return concat(chunks, received);
}

/**
 * Loads a WebAssembly component: reads its bytes, parses it and compiles its core modules. The
 * result can be instantiated many times; compiled modules are shared between instances. `E` and
 * `I` type the instances' exports and the `imports` option (see `Component`).
 *
 * @example
 * ```ts
 * import { loadComponent } from 'isowasm';
 * const component = await loadComponent(new URL('./markdown.wasm', import.meta.url));
 * const instance = await component.instantiate();
 * const html = instance.exports['acme:md/render'].toHtml('# hello');
 * // a trusted component beyond the default loader limits
 * const big = await loadComponent(url, { limits: { maxInstances: 5000 } });
 * // typed exports, from the declarations `isowasm types markdown.wasm` wrote (markdown.wasm.d.ts):
 * //   import type { Exports } from './markdown.wasm.js';
 * const typed = await loadComponent<Exports>(url);
 * ```
 */
export async function loadComponent<E = Record<string, any>, I = Record<string, unknown>>(source: ComponentSource, options: LoadOptions = {}): Promise<Component<E, I>> {
  const bytes = await readSource(source, options);
  if (options.integrity !== undefined) await checkIntegrity(bytes, options.integrity, describeSource(source));
  return Component.compile<E, I>(bytes, options);
}

/** How messages name a source. */
export function describeSource(source: ComponentSource): string {
  if (typeof source === 'string' || source instanceof URL) return `the component at ${String(source)}`;
  if (typeof Response !== 'undefined' && source instanceof Response && source.url) return `the component at ${source.url}`;
  return 'the component';
}
