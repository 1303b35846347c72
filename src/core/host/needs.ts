import type { Capabilities } from './capabilities.js';
import { splitVersion } from '../link/names.js';

/** A capability a component's imports ask for, and how to grant it. */
export interface CapabilityNeed {
  readonly capability: keyof Capabilities | 'imports';
  /** the imported interfaces that need it */
  readonly interfaces: readonly string[];
  /** granted without asking (stdio, clocks, random) */
  readonly byDefault: boolean;
  readonly grant: string;
}

const TABLE: [RegExp, keyof Capabilities, boolean, string][] = [
  [/^wasi:filesystem\//, 'fs', false, 'capabilities.fs = { preopens: { "/data": volume } }  (CLI: --dir HOST::GUEST[::ro])'],
  [/^wasi:http\/(outgoing-handler|client|types)$/, 'http', false, 'capabilities.http = { allow: ["https://api.example.com"] }  (CLI: --allow-http ORIGIN)'],
  [/^wasi:sockets\//, 'sockets', false, 'capabilities.sockets = { allow: ["host:port"] }  (Node only)'],
  [/^wasi:cli\/environment$/, 'env', false, 'capabilities.env / args / cwd  (CLI: --env K=V, arguments after --)'],
  [/^wasi:cli\/(stdin|stdout|stderr|terminal-.*)$/, 'stdio', true, 'capabilities.stdio (granted by default)'],
  [/^wasi:clocks\//, 'clocks', true, 'capabilities.clocks (granted by default)'],
  [/^wasi:random\//, 'random', true, 'capabilities.random (granted by default)'],
  [/^wasi:config\//, 'config', false, 'capabilities.config = { key: "value" }'],
  [/^wasi:keyvalue\//, 'kv', false, 'capabilities.kv = { buckets: { name: store } }  (CLI: --kv PATH or --kv NAME=PATH)'],
];

/**
 * Which capabilities a component would need, from the names of its imports. Interfaces nobody
 * grants (wasi:io, wasi:cli/exit) are left out; imports outside WASI must come from `imports`.
 *
 * @example
 * ```ts
 * for (const n of capabilityNeeds(component.imports.map((i) => i.name))) console.log(n.capability, n.grant);
 * ```
 */
export function capabilityNeeds(importNames: readonly string[]): CapabilityNeed[] {
  const byCap = new Map<string, { capability: CapabilityNeed['capability']; interfaces: string[]; byDefault: boolean; grant: string }>();
  for (const name of importNames) {
    const base = splitVersion(name)[0];
    let row: [keyof Capabilities | 'imports', boolean, string] | null = null;
    if (!base.startsWith('wasi:')) row = ['imports', false, 'instantiate({ imports: { ... } })'];
    else {
      const hit = TABLE.find(([re]) => re.test(base));
      if (hit) row = [hit[1], hit[2], hit[3]];
    }
    if (!row) continue;
    const entry = byCap.get(row[0]) ?? { capability: row[0], interfaces: [], byDefault: row[1], grant: row[2] };
    entry.interfaces.push(name);
    byCap.set(row[0], entry);
  }
  return [...byCap.values()];
}
