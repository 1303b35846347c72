/**
 * The values of `wasi:filesystem/types` that are not resources: flags, timestamps, stats and
 * metadata hashes, converted between the guest's shapes and the volume's.
 */
import type { VolumeEntryType, VolumeStat, VolumeTimeUpdate } from '../../host/volume.js';

const utf8 = new TextEncoder();

export interface PathFlags { symlinkFollow?: boolean }
export interface OpenFlags { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean }
export interface Datetime { seconds: bigint; nanoseconds: number }
export type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
export interface DescriptorStat {
  type: VolumeEntryType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
  statusChangeTimestamp?: Datetime;
}

export function toNumber(x: bigint | number, what: 'offset' | 'size'): number {
  const n = typeof x === 'bigint' ? x : BigInt(x);
  if (n < 0n) throw 'invalid';
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw what === 'size' ? 'file-too-large' : 'invalid';
  return Number(n);
}

function datetime(ns: bigint | undefined): Datetime | undefined {
  if (ns === undefined) return undefined;
  const v = ns < 0n ? 0n : ns;
  return { seconds: v / 1_000_000_000n, nanoseconds: Number(v % 1_000_000_000n) };
}

export function timeUpdate(t: NewTimestamp): VolumeTimeUpdate {
  switch (t?.tag) {
    case 'no-change': return null;
    case 'now': return 'now';
    case 'timestamp': {
      const { seconds, nanoseconds } = t.val;
      if (!(nanoseconds >= 0 && nanoseconds < 1e9)) throw 'invalid';
      return BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
    }
    default: throw 'invalid';
  }
}

export function descriptorStat(st: VolumeStat): DescriptorStat {
  const out: DescriptorStat = { type: st.type, linkCount: BigInt(st.linkCount), size: BigInt(st.size) };
  const a = datetime(st.accessTime);
  const m = datetime(st.modificationTime);
  const c = datetime(st.statusChangeTime);
  if (a) out.dataAccessTimestamp = a;
  if (m) out.dataModificationTimestamp = m;
  if (c) out.statusChangeTimestamp = c;
  return out;
}

/** A 64-bit FNV-1a of `s` from `basis`. */
function fnv64(s: string, basis: bigint): bigint {
  let h = basis;
  for (const b of utf8.encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** Changes when the object is modified or replaced (its identity, size and times go in). */
export function metadataHash(st: VolumeStat): { lower: bigint; upper: bigint } {
  const s = `${st.id}\0${st.type}\0${st.size}\0${st.modificationTime ?? ''}\0${st.statusChangeTime ?? ''}`;
  return { lower: fnv64(s, 0xcbf29ce484222325n), upper: fnv64(s, 0x84222325cbf29ce4n) };
}
