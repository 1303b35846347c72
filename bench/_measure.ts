/**
 * Timing helpers of the benchmark suite. Each contender runs a warmup, then many batches that
 * alternate between contenders (so a burst of load from another process hits both alike); a
 * batch is sized to last about `batchMs`, and the reported figure is the median over batches of
 * the time per operation. The min and max batch show how noisy the run was.
 */
import { spawn } from 'node:child_process';

/** The time per operation of one contender, in nanoseconds, over batches. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly batches: number;
  readonly opsPerBatch: number;
}

export interface MeasureOptions {
  /** warmup per contender (ms) */
  readonly warmupMs?: number;
  /** target length of one batch (ms) */
  readonly batchMs?: number;
  /** batches per contender */
  readonly batches?: number;
}

/** Set by every measured call so the optimizer cannot drop the work. */
export let sink: unknown;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stat(perOp: number[], opsPerBatch: number): Stat {
  return { median: median(perOp), min: Math.min(...perOp), max: Math.max(...perOp), batches: perOp.length, opsPerBatch };
}

function defaults(o: MeasureOptions): Required<MeasureOptions> {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    warmupMs: o.warmupMs ?? (quick ? 100 : 400),
    batchMs: o.batchMs ?? (quick ? 30 : 80),
    batches: o.batches ?? (quick ? 5 : 15),
  };
}

function runSync(fn: () => unknown, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink = fn();
  return performance.now() - t0;
}

async function runAsync(fn: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink = await fn();
  return performance.now() - t0;
}

/** Warms `fn` up and returns how many calls make one batch of about `batchMs`. */
async function calibrate(run: (n: number) => number | Promise<number>, o: Required<MeasureOptions>): Promise<number> {
  let n = 1;
  let spent = 0;
  let elapsed = 0;
  let done = 0;
  while (spent < o.warmupMs) {
    elapsed = await run(n);
    spent += elapsed;
    done += n;
    if (elapsed < o.batchMs / 4) n *= 2;
  }
  // the last rounds were warm: size the batch from the average of the warm part
  const perOp = elapsed / n || spent / done;
  return Math.max(1, Math.round(o.batchMs / perOp));
}

async function interleave(runs: Record<string, (n: number) => number | Promise<number>>, opts: MeasureOptions): Promise<Record<string, Stat>> {
  const o = defaults(opts);
  const names = Object.keys(runs);
  const sizes: Record<string, number> = {};
  for (const k of names) sizes[k] = await calibrate(runs[k]!, o);
  const perOp: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let b = 0; b < o.batches; b++) {
    // alternate the order too, so neither side always runs right after the other's garbage
    const order = b % 2 ? [...names].reverse() : names;
    for (const k of order) {
      const n = sizes[k]!;
      const ms = await runs[k]!(n);
      perOp[k]!.push((ms * 1e6) / n);
    }
  }
  return Object.fromEntries(names.map((k) => [k, stat(perOp[k]!, sizes[k]!)]));
}

/** Measures synchronous operations side by side; returns ns per operation for each. */
export function measureSync(fns: Record<string, () => unknown>, opts: MeasureOptions = {}): Promise<Record<string, Stat>> {
  return interleave(Object.fromEntries(Object.entries(fns).map(([k, fn]) => [k, (n: number) => runSync(fn, n)])), opts);
}

/** Measures asynchronous operations (each awaited before the next) side by side; ns per operation. */
export function measureAsync(fns: Record<string, () => Promise<unknown>>, opts: MeasureOptions = {}): Promise<Record<string, Stat>> {
  return interleave(Object.fromEntries(Object.entries(fns).map(([k, fn]) => [k, (n: number) => runAsync(fn, n)])), opts);
}

/** What one fresh process reported, plus its wall time as seen from the parent (ms). */
export interface ProcessRun {
  readonly wallMs: number;
  readonly report: Record<string, number>;
}

/**
 * Runs `node <args>` in a fresh process and times it from spawn to exit. The child may print one
 * line `BENCH {json}` with its own measurements.
 */
export function runProcess(args: readonly string[], cwd: string): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err || out}`));
        return;
      }
      const line = out.split('\n').find((l) => l.startsWith('BENCH '));
      resolve({ wallMs, report: line ? JSON.parse(line.slice(6)) as Record<string, number> : {} });
    });
  });
}

/** Runs fresh processes alternately for each contender; collects every run. */
export async function measureProcesses(cmds: Record<string, readonly string[]>, runs: number, cwd: string): Promise<Record<string, ProcessRun[]>> {
  const out: Record<string, ProcessRun[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [k, args] of Object.entries(cmds)) out[k]!.push(await runProcess(args, cwd));
  }
  return out;
}

/** The median, min and max of one field over process runs, as a Stat in nanoseconds. */
export function processStat(runs: readonly ProcessRun[], pick: (r: ProcessRun) => number): Stat {
  const ns = runs.map((r) => pick(r) * 1e6);
  return stat(ns, 1);
}

/** Formats nanoseconds in the unit that suits them. */
export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(ns < 100 ? 1 : 0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** `median (min–max)` */
export function formatStat(s: Stat | null): string {
  if (!s) return '—';
  return `${formatNs(s.median)} (${formatNs(s.min)}–${formatNs(s.max)})`;
}

/** Prints a Markdown table with padded columns. */
export function printTable(head: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
