/**
 * Core modules handed in pre-compiled (`Component.compile(bytes, { modules })`), for runtimes that
 * refuse to compile Wasm from bytes (Cloudflare's workerd: its scripts import `.wasm` files as
 * compiled `WebAssembly.Module`s), and the stripped components `isowasm bundle` writes beside
 * them: each core module's code and data are dropped, and a custom section records the original
 * module's SHA-256 and size, so the component stays parseable (imports, exports, types,
 * signatures) at a fraction of its size while its modules travel as separate `.wasm` files.
 *
 * Modules are keyed by the SHA-256 of their bytes (lowercase hex): a key can't be matched with
 * the wrong module by position, and a component rebuilt since the modules were compiled is
 * refused instead of silently running the old code.
 */
import { IsowasmError } from '../errors.js';
import { Reader } from './_reader.js';
import { lebBytes } from './_caps.js';
import { concat } from '../bytes.js';

/** The custom section of a stripped core module: 32 bytes of SHA-256, then the original size (u32 LEB128). */
export const STRIPPED_SECTION = 'isowasm:stripped';

const encoder = new TextEncoder();

/**
 * The key of a core module in `CompileOptions.modules`: the lowercase hex SHA-256 of its bytes.
 *
 * @example
 * ```ts
 * const key = await coreModuleKey(moduleBytes); // 'e3b0c442...'
 * ```
 */
export async function coreModuleKey(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return hex(digest);
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** What a stripped core module records of the module it stands for. */
export interface StrippedModule {
  /** the original module's key (SHA-256, hex) */
  readonly key: string;
  /** the original module's size in bytes */
  readonly size: number;
}

/**
 * The record of a stripped core module (see `stripCoreModules`), or null for a whole module.
 *
 * @example
 * ```ts
 * const info = strippedModule(model.allModules[0].bytes); // { key, size } or null
 * ```
 */
export function strippedModule(bytes: Uint8Array): StrippedModule | null {
  if (bytes.length < 8) return null;
  try {
    const r = new Reader(bytes, 8);
    while (!r.done) {
      const id = r.u8();
      const size = r.u32();
      const s = r.sub(size);
      if (id === 0 && s.name() === STRIPPED_SECTION) {
        const digest = bytes.subarray(s.pos, s.pos + 32);
        if (digest.length !== 32) return null;
        s.pos += 32;
        return { key: hex(digest), size: s.u32() };
      }
      r.pos = s.end;
    }
  } catch {
    // not a module we can walk: it compiles (or fails to) as a whole module would
  }
  return null;
}

function section(id: number, payload: Uint8Array): Uint8Array {
  return concat([new Uint8Array([id, ...lebBytes(BigInt(payload.length))]), payload]);
}

/**
 * A core module with only what the loader reads without compiling it (types, imports, functions'
 * types, exports: what signature checks need) and the stripped record. It does not compile: the
 * loader refuses it without the module handed in.
 */
function stubOf(bytes: Uint8Array, key: string): Uint8Array {
  const r = new Reader(bytes, 8);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  while (!r.done) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const s = r.sub(size);
    if (id === 1 || id === 2 || id === 3 || id === 7) kept.push(bytes.subarray(start, s.end));
    r.pos = s.end;
  }
  const name = encoder.encode(STRIPPED_SECTION);
  const digest = key.match(/../g)!.map((h) => parseInt(h, 16));
  kept.push(section(0, new Uint8Array([...lebBytes(BigInt(name.length)), ...name, ...digest, ...lebBytes(BigInt(bytes.length))])));
  return concat(kept);
}

/**
 * Splits a component into its core modules and a stripped copy that refers to them by key (see
 * the module comment): what `isowasm bundle` writes. Nested components are rewritten too. The
 * stripped component loads only with every module handed in: `Component.compile(stripped, {
 * modules })`, where `modules` maps each key to the compiled module.
 *
 * @example
 * ```ts
 * const { component, modules } = await stripCoreModules(bytes);
 * const compiled = Object.fromEntries(await Promise.all(modules.map(async (m) => [m.key, await WebAssembly.compile(m.bytes)])));
 * const loaded = await Component.compile(component, { modules: compiled });
 * ```
 */
export async function stripCoreModules(bytes: Uint8Array): Promise<{ component: Uint8Array; modules: { key: string; bytes: Uint8Array }[] }> {
  const modules: { key: string; bytes: Uint8Array }[] = [];
  const seen = new Set<string>();
  const rewrite = async (r: Reader): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [r.bytes.subarray(r.pos, r.pos + 8)];
    if (r.end - r.pos < 8 || r.bytes[r.pos + 6] !== 1) r.fail('not a component binary');
    r.pos += 8;
    while (!r.done) {
      const start = r.pos;
      const id = r.u8();
      const size = r.u32();
      const s = r.sub(size);
      if (id === 1) {
        const module = r.bytes.subarray(s.pos, s.end);
        if (strippedModule(module)) throw new IsowasmError('INVALID_BINARY', 'the component was stripped already (isowasm bundle wrote it): bundle the original component');
        const key = await coreModuleKey(module);
        if (!seen.has(key)) {
          seen.add(key);
          modules.push({ key, bytes: module });
        }
        parts.push(section(1, stubOf(module, key)));
      } else if (id === 4) {
        parts.push(section(4, await rewrite(s)));
      } else {
        parts.push(r.bytes.subarray(start, s.end));
      }
      r.pos = s.end;
    }
    return concat(parts);
  };
  return { component: await rewrite(new Reader(bytes)), modules };
}
