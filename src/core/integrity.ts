/**
 * Subresource Integrity for components: `loadComponent(url, { integrity: 'sha256-...' })` checks
 * the bytes before anything parses or compiles them, as `<script integrity>` does for scripts
 * (same metadata format; of several hashes, those of the strongest algorithm count, and any one
 * of them may match). Uses Web Crypto, present in browsers, workers, Node 20+, Deno, Bun and
 * workerd.
 */
import { IsowasmError } from './errors.js';

const ALGORITHMS = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const;
const STRENGTH = ['sha256', 'sha384', 'sha512'] as const;
type Algorithm = keyof typeof ALGORITHMS;

/** The hashes of `metadata` that count: those of its strongest algorithm. */
function parse(metadata: string): { algorithm: Algorithm; digests: string[] } {
  const byAlgorithm = new Map<Algorithm, string[]>();
  for (const token of metadata.trim().split(/\s+/)) {
    // `?options` after the digest are reserved by the SRI spec and ignored
    const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(\?.*)?$/.exec(token);
    if (!m) continue;
    const algorithm = m[1] as Algorithm;
    const digest = m[2]!.replace(/-/g, '+').replace(/_/g, '/');
    byAlgorithm.set(algorithm, [...(byAlgorithm.get(algorithm) ?? []), digest]);
  }
  for (const algorithm of [...STRENGTH].reverse()) {
    const digests = byAlgorithm.get(algorithm);
    if (digests) return { algorithm, digests };
  }
  throw new TypeError(`loadComponent(): integrity must be Subresource Integrity metadata such as 'sha256-<base64 digest>' (sha256, sha384 or sha512), got ${JSON.stringify(metadata)}`);
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

/** The SRI metadata of `bytes` (`sha256-...` by default), for the `integrity` option. */
export async function integrityOf(bytes: Uint8Array, algorithm: Algorithm = 'sha256'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(ALGORITHMS[algorithm], bytes as Uint8Array<ArrayBuffer>));
  return `${algorithm}-${base64(digest)}`;
}

/**
 * Resolves if `bytes` match `metadata`; else rejects with `INTEGRITY_MISMATCH`, naming what was
 * expected and what the bytes hash to. A malformed `metadata` is a TypeError.
 *
 * @example
 * ```ts
 * await checkIntegrity(bytes, 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'app.wasm');
 * ```
 */
export async function checkIntegrity(bytes: Uint8Array, metadata: string, what: string): Promise<void> {
  if (typeof metadata !== 'string') throw new TypeError('loadComponent(): integrity must be a string such as \'sha256-<base64 digest>\'');
  const { algorithm, digests } = parse(metadata);
  if (typeof crypto === 'undefined' || !crypto.subtle) {
    throw new IsowasmError('UNSUPPORTED', 'checking integrity needs Web Crypto (crypto.subtle), which this platform lacks (in browsers it exists only in secure contexts: https or localhost)');
  }
  const actual = await integrityOf(bytes, algorithm);
  if (!digests.includes(actual.slice(algorithm.length + 1))) {
    throw new IsowasmError('INTEGRITY_MISMATCH', `${what} does not match its integrity metadata: expected ${digests.map((d) => `${algorithm}-${d}`).join(' or ')}, the ${bytes.length} bytes received hash to ${actual}; nothing was compiled`, { details: { expected: digests.map((d) => `${algorithm}-${d}`), actual } });
  }
}
