/**
 * Issue 14's escape from `--dir`, as the probe ran it: two `isowasm run` processes on one host
 * directory, nothing else touching it. Guest A makes a link that is harmless where it is made,
 * moves its directory nearer the root so that the link leads above it, and swaps that directory
 * in and out under a path; guest B renames, reads and stats through that path, the rename's
 * target deep enough that checking it takes a while. Before the fix the host's secret leaked in
 * seconds; now B must never get it, and nothing outside the directory may change.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
/** How long the guests race (before the fix, with these settings, it leaked within 0.5-2.5 s in 10 runs of 10). */
const RACE_MS = 12_000;
/** How deep B's rename target is (checking it was the gap: ~0.8 ms at 150, ~3 ms at the probe's 300). */
const DEPTH = 150;
/** How long A keeps each state (x real, x holding the link), in microseconds: about the gap. */
const DWELL_US = 600;

/** Runs `isowasm run fs-race MODE MS ARG` on `dir`; resolves with its output once it exits (killed after a bound). */
function race(dir: string, mode: 'swap' | 'steal', ms: number, arg: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${repo}bin/isowasm.js`, 'run', 'build/fixtures/fs-race.wasm', '--dir', `${dir}::/data`, '--', mode, String(ms), String(arg)], { cwd: repo });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    // a hang must fail the test, not the suite
    const bound = setTimeout(() => child.kill('SIGKILL'), ms + 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve({ code, out, err });
    });
  });
}

/** Every name under `dir` (not following links), with file contents. */
function listing(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, p));
    if (st.isDirectory()) Object.assign(out, { [`${p}/`]: 'dir' }, listing(dir, p));
    else out[p] = st.isFile() ? readFileSync(join(dir, p), 'utf8') : 'other';
  }
  return out;
}

describe('two isowasm processes racing on one host directory (issue 14)', () => {
  it(`a link made escaping by renaming its directory, swapped in while another guest renames through it, leaks nothing (${RACE_MS / 1000} s)`, async () => {
    const top = realpathSync(mkdtempSync(join(tmpdir(), 'isowasm-race-')));
    try {
      const secret = `TOP SECRET ${Math.random().toString(36).slice(2)}\n`;
      writeFileSync(join(top, 'secret.txt'), secret);
      const root = join(top, 'root');
      mkdirSync(join(root, 'x', 's'), { recursive: true });
      writeFileSync(join(root, 'x', 's', 'secret.txt'), 'decoy\n');
      mkdirSync(join(root, 'a', 'b'), { recursive: true });
      mkdirSync(join(root, ...Array<string>(DEPTH).fill('t')), { recursive: true });
      const outsideBefore = listing(top);
      delete outsideBefore['root/'];
      for (const k of Object.keys(outsideBefore)) if (k.startsWith('root/')) delete outsideBefore[k];

      const started = performance.now();
      const [a, b] = await Promise.all([race(root, 'swap', RACE_MS + 1000, DWELL_US), race(root, 'steal', RACE_MS, DEPTH)]);
      const took = performance.now() - started;

      ok(!b.out.includes('LEAKED') && !b.out.includes('TOP SECRET'), `guest B got the secret:\n${b.out}`);
      equal(b.code, 0, `guest B failed: ${b.out}${b.err}`);
      equal(a.code, 0, `guest A failed: ${a.out}${a.err}`);
      // the race really ran: A swapped the escaping directory in, B kept trying through it
      const swaps = Number(/swap: (\d+) swaps/.exec(a.out)?.[1] ?? 0);
      const tries = /steal: (\d+) renames, (\d+) reads, (\d+) stats, (\d+) refused/.exec(b.out);
      ok(swaps > 100, `guest A swapped only ${swaps} times: ${a.out}`);
      ok(tries !== null && Number(tries[1]) + Number(tries[4]) > 100, `guest B tried too little: ${b.out}`);
      // the link A planted leads above the root now, and is still there, as text
      const planted = [join(root, 'c', 's'), join(root, 'x', 's')].filter((p) => lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink());
      equal(planted.length, 1, 'the escaping link exists');
      // nothing outside the directory changed: the secret is where it was, as it was
      const outsideAfter = listing(top);
      for (const k of Object.keys(outsideAfter)) if (k === 'root/' || k.startsWith('root/')) delete outsideAfter[k];
      deepEqual(outsideAfter, outsideBefore);
      equal(readFileSync(join(top, 'secret.txt'), 'utf8'), secret);
      ok(took < RACE_MS + 25_000, `the race took ${Math.round(took)} ms`);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
