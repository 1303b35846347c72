/**
 * Case 5: bytes -> first call of a small component (the adder) in a fresh Node process. Several
 * runs of each contender, alternating; the child times itself from having the bytes in memory
 * to the first call's result (see fresh-child.ts), and the parent times the whole process from
 * spawn to exit. jco's bindings are transpiled beforehand; its transpile step is measured
 * separately, in fresh processes too (the `jco transpile` CLI, and the transpile() API).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformancePath } from '../test/harness/conformance-dir.js';
import { root, type Row } from './_common.js';
import { measureProcesses, processStat, type Stat } from './_measure.js';

function sum(a: Stat, b: Stat): Stat {
  return { median: a.median + b.median, min: a.min + b.min, max: a.max + b.max, batches: Math.min(a.batches, b.batches), opsPerBatch: 1 };
}

export async function freshCases(): Promise<Row[]> {
  const quick = process.env.BENCH_QUICK === '1';
  const child = join(root, 'build/bench/fresh-child.js');
  // dist/ is the rollup bundle of the last `npm run build` (it may lag src/ during development)
  const withDist = existsSync(join(root, 'dist/core.js'));
  const adder = conformancePath('components/adder.wasm');
  const cmds: Record<string, string[]> = { isowasm: [child, 'isowasm', adder], jco: [child, 'jco', adder], empty: ['-e', '0'] };
  if (withDist) {
    cmds.dist = [child, 'isowasm-dist', adder];
    cmds.distNode = [child, 'isowasm-node-dist', adder];
  }
  const runs = await measureProcesses(cmds, quick ? 3 : 9, root);
  const out = mkdtempSync(join(tmpdir(), 'isowasm-bench-'));
  let transpile;
  try {
    transpile = await measureProcesses({
      cli: [join(root, 'node_modules/@bytecodealliance/jco/dist/jco.js'), 'transpile', adder, '--instantiation', 'async', '--quiet', '-o', out],
      api: [child, 'jco-transpile', adder],
    }, quick ? 2 : 5, root);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const first = (k: 'isowasm' | 'jco') => processStat(runs[k]!, (r) => r.report.firstCallMs!);
  const jcoTranspile = processStat(transpile.api!, (r) => r.report.transpileMs!);
  const dist: Row[] = withDist ? [
    { name: '  isowasm from dist/core.js: bytes → first call', isowasm: processStat(runs.dist!, (r) => r.report.firstCallMs!), jco: first('jco'), target: '≤ 3 ms', targetNs: 3e6 },
    { name: '  isowasm from dist/core.js: import', isowasm: processStat(runs.dist!, (r) => r.report.importMs!), jco: processStat(runs.jco!, (r) => r.report.importMs!), target: '≤ 3 ms', targetNs: 3e6 },
    { name: '  isowasm from dist/core.js: whole process', isowasm: processStat(runs.dist!, (r) => r.wallMs), jco: processStat(runs.jco!, (r) => r.wallMs), target: '', targetNs: null },
    // the `isowasm` entry as Node resolves it: the core, the WASI host and the Node adapters
    { name: 'import isowasm (node), dist/index.node.js', isowasm: processStat(runs.distNode!, (r) => r.report.importMs!), jco: processStat(runs.jco!, (r) => r.report.importMs!), target: '≤ 5 ms', targetNs: 5e6 },
    { name: '  isowasm from dist/index.node.js: bytes → first call', isowasm: processStat(runs.distNode!, (r) => r.report.firstCallMs!), jco: first('jco'), target: '', targetNs: null },
  ] : [];
  return [
    { name: 'bytes → first call, fresh process (in child)', isowasm: first('isowasm'), jco: first('jco'), target: '≤ 3 ms', targetNs: 3e6, note: 'jco: transpiled beforehand; isowasm: build/src (tsc output, one module per file)' },
    { name: '  import runtime / bindings (in child)', isowasm: processStat(runs.isowasm!, (r) => r.report.importMs!), jco: processStat(runs.jco!, (r) => r.report.importMs!), target: '', targetNs: null },
    { name: '  whole process, spawn → exit', isowasm: processStat(runs.isowasm!, (r) => r.wallMs), jco: processStat(runs.jco!, (r) => r.wallMs), target: '', targetNs: null },
    { name: '  floor: empty node process, spawn → exit', isowasm: processStat(runs.empty!, (r) => r.wallMs), jco: null, target: '', targetNs: null },
    ...dist,
    { name: '  jco transpile, CLI, whole process', isowasm: null, jco: processStat(transpile.cli!, (r) => r.wallMs), target: '', targetNs: null },
    { name: '  jco transpile() API (in child, after import)', isowasm: null, jco: jcoTranspile, target: '', targetNs: null },
    { name: '  bytes → first call incl. transpile() (in child)', isowasm: first('isowasm'), jco: sum(jcoTranspile, first('jco')), target: '', targetNs: null },
  ];
}
