/**
 * `wasi:random@0.3.0`: the 0.2 room's sources under 0.3's names. `max-len` is a most here (the
 * interface lets the host return fewer bytes), so a guest can't make the host allocate more than
 * MAX_RANDOM_BYTES at once.
 */
import { randomBytes, randomU64 } from '../random.js';

/** Most bytes one `get-random-bytes` call returns. */
export const MAX_RANDOM_BYTES = 1 << 20;

const bounded = (maxLen: bigint): Uint8Array => randomBytes(maxLen > BigInt(MAX_RANDOM_BYTES) ? BigInt(MAX_RANDOM_BYTES) : maxLen);

/**
 * The `wasi:random@0.3.0` namespaces; `seed` is the instance's insecure seed (the 0.2 room's, so
 * both versions agree).
 *
 * @example
 * ```ts
 * const ns = randomNamespacesP3(insecureSeed());
 * ns['wasi:random/random@0.3.0'].getRandomBytes(16n); // 16 random bytes
 * ```
 */
export function randomNamespacesP3(seed: [bigint, bigint]): {
  'wasi:random/random@0.3.0': { getRandomBytes(maxLen: bigint): Uint8Array; getRandomU64(): bigint };
  'wasi:random/insecure@0.3.0': { getInsecureRandomBytes(maxLen: bigint): Uint8Array; getInsecureRandomU64(): bigint };
  'wasi:random/insecure-seed@0.3.0': { getInsecureSeed(): [bigint, bigint] };
} {
  return {
    'wasi:random/random@0.3.0': { getRandomBytes: bounded, getRandomU64: randomU64 },
    'wasi:random/insecure@0.3.0': { getInsecureRandomBytes: bounded, getInsecureRandomU64: randomU64 },
    'wasi:random/insecure-seed@0.3.0': { getInsecureSeed: () => seed },
  };
}
