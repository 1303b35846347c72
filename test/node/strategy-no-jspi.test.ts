/**
 * In Node without JSPI, 'auto' runs asynchronous instances in a worker thread. Proven in child
 * processes: the system's Node 20 (found on PATH and in the usual places; it has no JSPI), and
 * always this Node with WebAssembly.Suspending removed. Each child instantiates without choosing
 * a strategy, calls a host that answers later and a WASI command, and must exit by itself (an
 * idle worker does not keep the process alive; one with a call in flight does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const child = fileURLToPath(new URL('./strategy-child.js', import.meta.url));

/** Node binaries on this machine that lack JSPI (never this process's own, which has it). */
function nodesWithoutJspi(): string[] {
  const found = new Set<string>();
  const which = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' });
  for (const p of (which.stdout ?? '').split('\n').map((l) => l.trim()).filter(Boolean)) found.add(p);
  for (const p of ['/usr/local/bin/node', '/usr/bin/node']) if (existsSync(p)) found.add(p);
  return [...found].filter((bin) => {
    const r = spawnSync(bin, ['-p', 'typeof WebAssembly.Suspending'], { encoding: 'utf8', timeout: 30_000 });
    return r.status === 0 && r.stdout.trim() === 'undefined';
  });
}

interface Report { node: string; jspi: string; strategy: string; cliStrategy: string; runSync: unknown; runAsync: unknown; stdout: string }

function runChild(bin: string, args: string[]): Report {
  const r = spawnSync(bin, [child, ...args], { encoding: 'utf8', timeout: 60_000 });
  equal(r.error, undefined, `${bin} could not run (or did not end within a minute: a worker kept it alive?)`);
  equal(r.status, 0, `${bin} ${args.join(' ')} exited with ${String(r.status)}: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Report;
}

function check(report: Report, what: string): void {
  equal(report.jspi, 'undefined', `${what}: no JSPI`);
  equal(report.strategy, 'worker', `${what}: auto picked the worker`);
  equal(report.cliStrategy, 'worker', `${what}: the WASI command too`);
  equal(report.runSync, 'called sync', what);
  equal(report.runAsync, 'called async', what);
  equal(report.stdout, 'hello from C\narg 0: prog\nGREETING=(unset)\n', what);
}

describe('strategy auto in Node without JSPI', () => {
  it('this Node with WebAssembly.Suspending removed: auto runs async instances in a worker, and the process ends by itself', () => {
    check(runChild(process.execPath, ['--delete-jspi']), `${process.execPath} without WebAssembly.Suspending`);
  });

  it('the system Node 20 (DESIGN.md section 8), which has no JSPI: auto runs async instances in a worker, and the process ends by itself', () => {
    const bins = nodesWithoutJspi();
    ok(bins.length > 0, 'no Node without JSPI was found on PATH, /usr/local/bin or /usr/bin (the system Node 20)');
    for (const bin of bins) {
      const report = runChild(bin, []);
      check(report, `${bin} (${report.node})`);
    }
  });
});
