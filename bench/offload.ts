/**
 * What a call costs through `runInWorker` (comlink over worker_threads) next to the same call on
 * the instance in this thread, in the same run: a scalar call, a 1 MiB byte result (transferred),
 * and a 1 MiB byte argument copied and transferred. Run: `npm run bench:offload`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadComponent, runInWorker, transfer } from '../src/index.node.js';
import { root } from './_common.js';
import { measureAsync, sink } from './_measure.js';

interface Guest {
  add(a: number, b: number): number;
  bytes(n: number): Uint8Array;
  sum(b: Uint8Array): number;
}
type Remote = { [K in keyof Guest]: (...a: Parameters<Guest[K]>) => Promise<ReturnType<Guest[K]>> };

const bytes = readFileSync(join(root, 'build/fixtures/offload-guest.wasm'));
const local = (await (await loadComponent(bytes)).instantiate()).exports as unknown as Guest;
const worker = await runInWorker<Remote>(bytes);
const MiB = 1 << 20;
const arg = new Uint8Array(MiB).fill(1);
void sink;

const rows: [string, Record<string, () => Promise<unknown>>][] = [
  ['add(u32, u32)', { 'this thread': async () => local.add(1, 2), runInWorker: () => worker.exports.add(1, 2) }],
  ['bytes(1 MiB) result', { 'this thread': async () => local.bytes(MiB), runInWorker: () => worker.exports.bytes(MiB) }],
  ['sum(1 MiB) argument', { 'this thread': async () => local.sum(arg), runInWorker: () => worker.exports.sum(arg), 'runInWorker, transfer()': () => worker.exports.sum(transfer(arg.slice())) }],
];

console.log('| call | contender | median | min | max | vs this thread |');
console.log('|---|---|---:|---:|---:|---:|');
const fmt = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
for (const [label, fns] of rows) {
  const stats = await measureAsync(fns, { batches: 15, batchMs: 60 });
  const anchor = stats['this thread']!.median;
  for (const [name, s] of Object.entries(stats)) {
    console.log(`| ${label} | ${name} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.max)} | ${(s.median / anchor).toFixed(1)}x |`);
  }
}
await worker.terminate();
