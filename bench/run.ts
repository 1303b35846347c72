/**
 * The benchmark suite (`npm run bench`): isowasm beside jco's transpiled bindings of the same
 * components, measured in the same run, against the targets of DESIGN.md section 9.
 *
 *   node build/bench/run.js [calls|instantiate|fresh|components|reset|async ...]   run only some groups
 *   BENCH_QUICK=1 node build/bench/run.js                   fewer, shorter batches
 */
import { cpus, totalmem } from 'node:os';
import { callCases } from './calls.js';
import type { Row } from './_common.js';
import { formatNs, formatStat, printTable } from './_measure.js';
import { freshCases } from './fresh.js';
import { instantiateCases } from './instantiate.js';
import { componentCases } from './components.js';
import { resetCases } from './reset.js';
import { asyncCases } from './async.js';

const groups: Record<string, () => Promise<Row[]>> = { calls: callCases, instantiate: instantiateCases, fresh: freshCases, components: componentCases, reset: resetCases, async: asyncCases };

function ratio(r: Row): string {
  if (!r.isowasm || !r.jco) return '—';
  const x = r.jco.median / r.isowasm.median;
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x`;
}

function target(r: Row): string {
  if (!r.target) return '';
  if (r.targetNs === null || !r.isowasm) return r.target;
  return `${r.target} ${r.isowasm.median <= r.targetNs ? 'met' : 'MISSED'}`;
}

async function main(): Promise<void> {
  const picked = process.argv.slice(2);
  const unknown = picked.filter((g) => !(g in groups));
  if (unknown.length) throw new Error(`unknown group(s) ${unknown.join(', ')}; choose from ${Object.keys(groups).join(', ')}`);
  const cpu = cpus();
  console.log(`isowasm benchmarks: Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  if (!process.version.startsWith('v24.')) console.log(`note: DESIGN.md's numbers are for Node 24; this is ${process.version} (run with \`npx node\`)`);
  console.log('median over batches (fastest–slowest batch); batches alternate between isowasm and jco\n');
  const rows: Row[] = [];
  for (const [name, run] of Object.entries(groups)) {
    if (picked.length && !picked.includes(name)) continue;
    const t0 = performance.now();
    const got = await run();
    rows.push(...got);
    console.error(`  ${name}: ${got.length} case(s) in ${formatNs((performance.now() - t0) * 1e6)}`);
  }
  console.log('');
  printTable(['case', 'isowasm', 'jco', 'ratio (jco/isowasm)', 'DESIGN target'], rows.map((r) => [r.name, formatStat(r.isowasm), formatStat(r.jco), ratio(r), target(r)]));
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `${r.name.trim()}: ${r.note}`))];
  if (rows.some((r) => r.name.trim().startsWith('floor:'))) notes.push('floor rows: a baseline outside both runtimes, shown in the isowasm column');
  if (notes.length) console.log(`\n${notes.join('\n')}`);
}

await main();
