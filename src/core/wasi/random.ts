/** `wasi:random` from the Web Crypto API's `getRandomValues` (in Node, browsers and workers). */

const MAX_CHUNK = 65536; // getRandomValues fills at most this many bytes at once

/** `len` cryptographically random bytes. */
export function randomBytes(len: bigint): Uint8Array {
  const out = new Uint8Array(Number(len));
  for (let i = 0; i < out.length; i += MAX_CHUNK) crypto.getRandomValues(out.subarray(i, i + MAX_CHUNK));
  return out;
}

export function randomU64(): bigint {
  return new BigUint64Array(crypto.getRandomValues(new BigUint64Array(1)).buffer)[0]!;
}

/** An instance's insecure seed: per instance, fixed for its lifetime as the interface describes. */
export function insecureSeed(): [bigint, bigint] {
  return [randomU64(), randomU64()];
}

export function randomNamespaces(seed: [bigint, bigint] = insecureSeed()): Record<string, unknown> {
  return {
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
    'wasi:random/insecure-seed': { insecureSeed: () => seed },
  };
}
