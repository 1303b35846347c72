/**
 * The HTTP benchmark (`npm run bench:http`, not part of `npm test` or `npm run bench`): requests/s
 * and latency (p50, p99) over loopback at 1, 10 and 50 connections, measured by autocannon in this
 * process against servers each running in its own child process, all in the same run:
 *
 *   - plain node:http answering "hello\n" (the anchor every ratio is taken against)
 *   - test/fixtures/http-small (an 8 KB WAT handler), through isowasm's `serve`: a fresh instance
 *     per request (serve's default, one kept warm), reset per request (instances.reset: as
 *     isolated as fresh) and pooled
 *   - test/fixtures/http-handler (a 14 MB incomingHandler-style JS guest) the same two ways
 *   - test/fixtures/http-server (a 14 MB fetch-event JS guest: one request per instance, so fresh only)
 *   - `jco serve` of each of these components: its default (one instance serves every request,
 *     which the fetch-event guest can't survive) and `--isolate-requests instance` (a fresh
 *     instance per request) where a fresh comparison is due
 *
 * Every contender answers the same bytes ("hello\n"; the fetch-event guest has no such route and
 * answers "1" from /count). Every server is started and warmed (1 s) first; then each cell is
 * `BENCH_HTTP_ROUNDS` (3) slices of `BENCH_HTTP_SECONDS` (1.5 s), taken in rounds that alternate
 * between the servers, so that load from other processes hits all of them alike; "slices req/s"
 * shows how far the slices of one cell differed. The DESIGN.md section 9 targets are shown as met
 * or MISSED; nothing is asserted.
 *
 *   node build/bench/http.js [row-name-substring ...]     run only some rows (node:http always)
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { root } from './_common.js';
import { printTable } from './_measure.js';
import { type ChildSpec, HELLO } from './_http.js';

interface CannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface CannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
}
type Cannon = (opts: { url: string; connections: number; duration: number; pipelining?: number },
  done: (error: unknown, result: CannonResult) => void) => CannonInstance;
// autocannon is CommonJS without types of its own: the little of it used here, typed above
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const CONNECTIONS = [1, 10, 50] as const;
/** one slice of one cell (s); each cell is ROUNDS slices, taken in rounds across all contenders */
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);

type Group = 'anchor' | 'small' | 'js-handler' | 'js-fetch-event';

interface Contender {
  readonly name: string;
  readonly group: Group;
  /** isowasm or plain node (a child running bench/http-child.ts), or jco serve with these flags */
  readonly server: { readonly child: ChildSpec } | { readonly jco: { readonly fixture: string; readonly flags: readonly string[] } };
  readonly path: string;
  readonly expect: string;
  /** the jco serve row this one is compared with */
  readonly versus?: string;
  /** a check of the instance policy before measuring: GET /count twice gives 1 and 1, or n and n + 1 */
  readonly counts?: 'fresh' | 'pooled';
}

// one thread runs every instance, and a hello handler never waits on I/O, so more instances than
// this only add memory (8 of the 14 MB JS guest ran slower than 1 or 2 in a trial)
const POOL = { reuse: 1000, max: 2 } as const;
const FRESH = {} as const; // serve's default: a fresh instance per request, one kept warm
// a pristine instance per request too, by resetting the last one (isowasm serve's default)
const RESET = { reset: true, max: 2 } as const;

const contenders: readonly Contender[] = [
  { name: 'node:http', group: 'anchor', server: { child: { kind: 'node' } }, path: '/', expect: HELLO },
  { name: 'small WAT, isowasm fresh', group: 'small', server: { child: { kind: 'isowasm', fixture: 'http-small', instances: FRESH } }, path: '/', expect: HELLO, counts: 'fresh' },
  { name: 'small WAT, isowasm pooled', group: 'small', server: { child: { kind: 'isowasm', fixture: 'http-small', instances: POOL } }, path: '/', expect: HELLO, counts: 'pooled', versus: 'small WAT, jco serve' },
  { name: 'small WAT, isowasm reset', group: 'small', server: { child: { kind: 'isowasm', fixture: 'http-small', instances: RESET } }, path: '/', expect: HELLO, counts: 'fresh' },
  { name: 'small WAT, jco serve', group: 'small', server: { jco: { fixture: 'http-small', flags: [] } }, path: '/', expect: HELLO },
  { name: 'JS handler, isowasm fresh', group: 'js-handler', server: { child: { kind: 'isowasm', fixture: 'http-handler', instances: FRESH } }, path: '/hello', expect: HELLO, counts: 'fresh', versus: 'JS handler, jco serve --isolate-requests instance' },
  { name: 'JS handler, isowasm pooled', group: 'js-handler', server: { child: { kind: 'isowasm', fixture: 'http-handler', instances: POOL } }, path: '/hello', expect: HELLO, counts: 'pooled', versus: 'JS handler, jco serve' },
  { name: 'JS handler, isowasm reset', group: 'js-handler', server: { child: { kind: 'isowasm', fixture: 'http-handler', instances: RESET } }, path: '/hello', expect: HELLO, counts: 'fresh', versus: 'JS handler, jco serve --isolate-requests instance' },
  { name: 'JS handler, jco serve', group: 'js-handler', server: { jco: { fixture: 'http-handler', flags: [] } }, path: '/hello', expect: HELLO },
  { name: 'JS handler, jco serve --isolate-requests instance', group: 'js-handler', server: { jco: { fixture: 'http-handler', flags: ['--isolate-requests', 'instance'] } }, path: '/hello', expect: HELLO },
  { name: 'JS fetch-event, isowasm fresh', group: 'js-fetch-event', server: { child: { kind: 'isowasm', fixture: 'http-server', instances: FRESH } }, path: '/count', expect: '1', versus: 'JS fetch-event, jco serve --isolate-requests instance' },
  { name: 'JS fetch-event, isowasm reset', group: 'js-fetch-event', server: { child: { kind: 'isowasm', fixture: 'http-server', instances: RESET } }, path: '/count', expect: '1', versus: 'JS fetch-event, jco serve --isolate-requests instance' },
  { name: 'JS fetch-event, jco serve --isolate-requests instance', group: 'js-fetch-event', server: { jco: { fixture: 'http-server', flags: ['--isolate-requests', 'instance'] } }, path: '/count', expect: '1' },
];

interface Running { readonly origin: string; stop(): Promise<void> }

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function waitUntilServing(origin: string, path: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${log()}`);
    try {
      const res = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`the server did not answer within 120 s: ${log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function start(c: Contender): Promise<Running> {
  let out = '';
  const log = (): string => out.slice(-2000);
  if ('child' in c.server) {
    const child = fork(fileURLToPath(new URL('./http-child.js', import.meta.url)), [JSON.stringify(c.server.child)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`${c.name}: the server exited (${code}) before listening: ${log()}`)));
    });
    return { origin: `http://127.0.0.1:${port}`, stop: async () => { child.disconnect(); await exited(child); } };
  }
  // jco serve transpiles the component, then serves it with preview2-shim's HTTP server; jco's own
  // tools need the preopen preload with preview2-shim 0.26 (DESIGN.md section 8)
  const port = await freePort();
  const jco = `${root}node_modules/@bytecodealliance/jco/dist/jco.js`;
  const child = spawn(process.execPath, ['--import', `${root}scripts/jco-preopen.mjs`, jco, 'serve', ...c.server.jco.flags,
    '--port', String(port), '--host', '127.0.0.1', `${root}build/fixtures/${c.server.jco.fixture}.wasm`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(origin, c.path, child, log);
  } catch (e) {
    child.kill();
    throw e;
  }
  return { origin, stop: async () => { child.kill(); await exited(child); } };
}

async function check(c: Contender, origin: string): Promise<void> {
  const res = await fetch(`${origin}${c.path}`);
  const body = await res.text();
  if (res.status !== 200 || body !== c.expect) throw new Error(`${c.name}: ${c.path} answered ${res.status} ${JSON.stringify(body)}, not ${JSON.stringify(c.expect)}`);
  if (c.counts) {
    const got: string[] = [];
    for (let i = 0; i < 2; i++) got.push(await (await fetch(`${origin}/count`)).text());
    // pooled, the count goes on from whatever the instance served before (the check above)
    const fresh = got.every((x) => x.trim() === '1');
    const pooled = Number(got[1]) === Number(got[0]) + 1;
    if (c.counts === 'fresh' ? !fresh : !pooled) throw new Error(`${c.name}: /count answered ${JSON.stringify(got)}: the instance policy is not ${c.counts}`);
  }
}

interface Slice { requests: number; seconds: number; times: number[]; failed: number }
interface Cell { rps: number; p50: number; p99: number; failed: number; /** the slowest and fastest slice, req/s */ spread: [number, number] }

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : NaN;
}

async function slice(origin: string, path: string, connections: number, duration: number): Promise<Slice> {
  // autocannon's own percentiles come from a histogram of whole milliseconds; the small guest and
  // node:http answer in well under one, so the latencies are kept here as measured (fractional ms)
  const times: number[] = [];
  const r = await new Promise<CannonResult>((resolve, reject) => {
    const run = autocannon({ url: `${origin}${path}`, connections, duration, pipelining: 1 }, (e, result) => (e ? reject(e) : resolve(result)));
    run.on('response', (_client, _status, _bytes, ms) => { times.push(ms); });
  });
  return { requests: r.requests.total, seconds: r.duration, times, failed: r.non2xx + r.errors + r.timeouts };
}

function cell(slices: readonly Slice[]): Cell {
  const sorted = Float64Array.from(slices.flatMap((x) => x.times)).sort();
  const rates = slices.map((x) => x.requests / x.seconds);
  return {
    rps: slices.reduce((a, x) => a + x.requests, 0) / slices.reduce((a, x) => a + x.seconds, 0),
    p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99),
    failed: slices.reduce((a, x) => a + x.failed, 0),
    spread: [Math.min(...rates), Math.max(...rates)],
  };
}

const fmtRps = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const fmtMs = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (x: number): string => (x >= 10 ? `${x.toFixed(0)}x` : x >= 1 ? `${x.toFixed(1)}x` : `${(x * 100).toFixed(0)} %`);

const results = new Map<string, Map<number, Cell>>();

async function main(): Promise<void> {
  const picked = process.argv.slice(2);
  const rows = contenders.filter((c) => c.group === 'anchor' || picked.length === 0 || picked.some((p) => c.name.includes(p)));
  const cpu = cpus();
  console.log(`isowasm HTTP benchmark: Node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`autocannon in this process, each server in its own; per cell ${ROUNDS} slices of ${SECONDS} s, in rounds alternating between the servers, after a 1 s warmup each; connections ${CONNECTIONS.join(', ')}\n`);
  // every server runs for the whole benchmark (idle ones cost nothing), so that the cells can be
  // measured in rounds that alternate between them: a burst of load from another process then
  // hits every contender alike instead of one row
  const running = new Map<Contender, Running>();
  const failures: string[] = [];
  try {
    for (const c of rows) {
      const t0 = performance.now();
      try {
        const r = await start(c);
        running.set(c, r);
        await check(c, r.origin);
        await slice(r.origin, c.path, 10, 1);
      } catch (e) {
        failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
        await running.get(c)?.stop();
        running.delete(c);
      }
      console.error(`  started and warmed ${c.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const measured = rows.filter((c) => running.has(c));
    const slices = new Map<string, Slice[]>();
    for (const n of CONNECTIONS) {
      const t0 = performance.now();
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of round % 2 ? [...measured].reverse() : measured) {
          const key = `${c.name}@${n}`;
          const got = await slice(running.get(c)!.origin, c.path, n, SECONDS);
          slices.set(key, [...(slices.get(key) ?? []), got]);
        }
      }
      console.error(`  ${n} connection(s): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const c of measured) results.set(c.name, new Map(CONNECTIONS.map((n) => [n, cell(slices.get(`${c.name}@${n}`)!)])));
  } finally {
    for (const r of running.values()) await r.stop();
  }
  const anchor = results.get('node:http');
  const table: string[][] = [];
  for (const c of rows) {
    const cells = results.get(c.name);
    if (!cells) continue;
    for (const n of CONNECTIONS) {
      const cell = cells.get(n)!;
      const base = anchor?.get(n);
      const vs = c.versus ? results.get(c.versus)?.get(n) : undefined;
      table.push([n === CONNECTIONS[0] ? c.name : '', String(n), fmtRps(cell.rps), fmtMs(cell.p50), fmtMs(cell.p99),
        base && c.group !== 'anchor' ? fmtRatio(cell.rps / base.rps) : '',
        vs ? fmtRatio(cell.rps / vs.rps) : '', `${fmtRps(cell.spread[0])}–${fmtRps(cell.spread[1])}`, cell.failed ? String(cell.failed) : '']);
    }
  }
  console.log('');
  printTable(['server', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'vs node:http', 'vs jco serve', 'slices req/s', 'failed'], table);

  // DESIGN.md section 9, at 50 connections
  const at50 = (name: string): Cell | undefined => results.get(name)?.get(50);
  const node50 = at50('node:http');
  const verdicts: string[][] = [];
  const judge = (what: string, cell: Cell | undefined, versus: Cell | undefined, want: number, p99?: number): void => {
    if (!cell || !versus) {
      verdicts.push([what, 'not measured', '']);
      return;
    }
    const x = cell.rps / versus.rps;
    const ok = x >= want && (p99 === undefined || cell.p99 <= p99);
    verdicts.push([what, `${fmtRatio(x)}${p99 === undefined ? '' : `, p99 ${fmtMs(cell.p99)} ms`}`, ok ? 'met' : 'MISSED']);
  };
  judge('small guest pooled ≥ 50 % of node:http', at50('small WAT, isowasm pooled'), node50, 0.5);
  judge('small guest fresh ≥ 25 % of node:http', at50('small WAT, isowasm fresh'), node50, 0.25);
  judge('small guest reset (isolated as fresh) ≥ 25 % of node:http', at50('small WAT, isowasm reset'), node50, 0.25);
  judge('JS handler pooled ≥ 5x jco serve (one shared instance), p99 ≤ 100 ms', at50('JS handler, isowasm pooled'), at50('JS handler, jco serve'), 5, 100);
  judge('JS handler fresh ≥ 5x jco serve --isolate-requests instance, p99 ≤ 100 ms', at50('JS handler, isowasm fresh'), at50('JS handler, jco serve --isolate-requests instance'), 5, 100);
  judge('JS handler reset (isolated as fresh) ≥ 5x jco serve --isolate-requests instance, p99 ≤ 100 ms', at50('JS handler, isowasm reset'), at50('JS handler, jco serve --isolate-requests instance'), 5, 100);
  judge('JS fetch-event fresh ≥ 5x jco serve --isolate-requests instance, p99 ≤ 100 ms', at50('JS fetch-event, isowasm fresh'), at50('JS fetch-event, jco serve --isolate-requests instance'), 5, 100);
  judge('JS fetch-event reset ≥ 5x jco serve --isolate-requests instance, p99 ≤ 100 ms', at50('JS fetch-event, isowasm reset'), at50('JS fetch-event, jco serve --isolate-requests instance'), 5, 100);
  console.log('\nDESIGN.md section 9 targets, at 50 connections:\n');
  printTable(['target', 'measured', ''], verdicts);
  console.log(`\npooled: instances ${JSON.stringify(POOL)}; fresh: a fresh instance per request with one kept warm (serve's default); reset: ${JSON.stringify(RESET)}, the instance that served a request reset for the next (isowasm serve's default).`);
  console.log('jco serve without --isolate-requests runs one instance for every request; the fetch-event guest answers only its first there (StarlingMonkey), so it is measured isolated only.');
  if (failures.length) console.log(`\nnot measured:\n${failures.map((f) => `  ${f}`).join('\n')}`);
}

await main();
// autocannon (or the fetch used for the checks) leaves a handle open that keeps the process alive
// for minutes after the last cell: the run is over, so end it
process.exit(0);
