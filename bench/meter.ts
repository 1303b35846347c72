/**
 * What metering (limits.fuel / limits.timeoutMs) costs, same run: a tight WAT loop, a guest whose
 * work is JavaScript in a 12 MB JS guest (sum of 100,000 numbers, and greet), and a 12 MB JS HTTP
 * guest's request on a fresh instance; and what the rewrite costs per MB of code.
 * Run: `npm run bench:meter`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFetchHandler, loadComponent } from '../src/index.node.js';
import { parseComponent } from '../src/core/binary/parse-component.js';
import { instrument } from '../src/core/meter/instrument.js';
import { root } from './_common.js';
import { measureAsync, measureSync } from './_measure.js';

const fixture = (name: string): Uint8Array => readFileSync(join(root, `build/fixtures/${name}.wasm`));
const limits = { timeoutMs: 600_000, fuel: 1e15 };
const fmt = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const rows: string[] = ['| work | plain | metered | metered / plain |', '|---|---:|---:|---:|'];
function row(label: string, plain: number, metered: number): void {
  rows.push(`| ${label} | ${fmt(plain)} | ${fmt(metered)} | ${(metered / plain).toFixed(2)}x |`);
}

interface Loop { bytes(n: number): Uint8Array; add(a: number, b: number): number }
const loopC = await loadComponent(fixture('offload-guest'));
const loopPlain = (await loopC.instantiate()).exports as unknown as Loop;
const loopMetered = (await loopC.instantiate({ limits })).exports as unknown as Loop;
let s = await measureSync({ plain: () => loopPlain.bytes(1 << 20), metered: () => loopMetered.bytes(1 << 20) });
row('WAT: fill 1 MiB byte by byte (a tight loop)', s.plain!.median, s.metered!.median);
s = await measureSync({ plain: () => loopPlain.add(1, 2), metered: () => loopMetered.add(1, 2) });
row('WAT: add(u32, u32) (the call itself)', s.plain!.median, s.metered!.median);

interface Js { 'test:jsguest/api': { sum(v: Uint32Array | number[]): bigint; greet(n: string): string } }
const jsC = await loadComponent(fixture('js-guest'));
const jsPlain = (await jsC.instantiate()).exports as unknown as Js;
const jsMetered = (await jsC.instantiate({ limits })).exports as unknown as Js;
const values = Array.from({ length: 100_000 }, (_, i) => i);
s = await measureSync({ plain: () => jsPlain['test:jsguest/api'].sum(values), metered: () => jsMetered['test:jsguest/api'].sum(values) });
row('12 MB JS guest: sum of 100,000 numbers', s.plain!.median, s.metered!.median);
s = await measureSync({ plain: () => jsPlain['test:jsguest/api'].greet('reader'), metered: () => jsMetered['test:jsguest/api'].greet('reader') });
row('12 MB JS guest: greet (a short call)', s.plain!.median, s.metered!.median);

// a C program doing real work: CRC-32 and FNV-1a over 10 MiB, three rounds (a fresh instance each run)
const hash = await loadComponent(fixture('c-hash'));
const runHash = async (opts: Record<string, unknown>): Promise<void> => {
  const { exports } = await hash.instantiate({ ...opts, capabilities: { stdio: { stdout: () => {} } } });
  await (exports as Record<string, { run(): unknown }>)['wasi:cli/run@0.2.12']!.run();
};
const h = await measureAsync({ plain: () => runHash({}), metered: () => runHash({ limits }) }, { batches: 7, batchMs: 300 });
row('C: CRC-32 + FNV-1a over 10 MiB x3 (a fresh instance)', h.plain!.median, h.metered!.median);

const http = await loadComponent(fixture('http-server'));
const handlers = {
  plain: createFetchHandler(http, { instances: { warm: 1 }, capabilities: { stdio: { stderr: null } } }),
  metered: createFetchHandler(http, { instances: { warm: 1 }, limits, capabilities: { stdio: { stderr: null } } }),
};
await handlers.plain.warmUp();
await handlers.metered.warmUp();
const a = await measureAsync({
  plain: async () => (await handlers.plain(new Request('http://app.local/stream?mb=1'))).arrayBuffer(),
  metered: async () => (await handlers.metered(new Request('http://app.local/stream?mb=1'))).arrayBuffer(),
}, { batches: 9 });
row('12 MB JS HTTP guest: a 1 MiB streamed response, fresh instance', a.plain!.median, a.metered!.median);
await handlers.plain.close();
await handlers.metered.close();
console.log(rows.join('\n'));

// the rewrite itself, per MB of code
const big = parseComponent(fixture('http-server'));
let bytes = 0;
const t0 = performance.now();
for (let i = 0; i < 3; i++) for (const m of big.allModules) { instrument(m.bytes, `module ${m.id}`); bytes += m.bytes.length; }
const ms = performance.now() - t0;
console.log(`\nrewrite: ${(ms / (bytes / 2 ** 20)).toFixed(1)} ms per MB of core module (${(bytes / 3 / 2 ** 20).toFixed(1)} MB, 3 passes, ${ms.toFixed(0)} ms)`);
