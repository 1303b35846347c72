/**
 * createFetchHandler where the runtime has no JSPI, proven in child processes whose Node has
 * WebAssembly.Suspending removed: each instance runs in a worker that blocks in Atomics.wait
 * while this thread does the I/O (the 'worker' strategy), chosen without being asked; without
 * workers too, the instances are synchronous: the request body is read whole before the call
 * (bounded) and the response collects as the guest writes it. Either way bodies go both ways, a
 * failing guest is a 500 and the next request is served.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deepEqual, equal, ok } from 'node:assert/strict';
import { describe, it } from 'node:test';

const child = fileURLToPath(new URL('./http-no-jspi-child.js', import.meta.url));

interface Report { jspi: string; out: { path: string; status: number; length: number; text: string }[]; errors: string[] }

function run(args: string[]): Report {
  const r = spawnSync(process.execPath, [child, ...args], { encoding: 'utf8', timeout: 120_000 });
  equal(r.status, 0, `the child failed (${String(r.status)}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
}

function checkServed(report: Report): void {
  equal(report.jspi, 'undefined');
  deepEqual(report.out.slice(0, 6).map((o) => [o.path, o.status, o.length]), [
    ['/echo?a=1', 200, report.out[0]!.length],
    ['/raw', 200, 200_000],
    ['/stream?mb=1', 200, 1024 * 1024],
    ['/trap', 500, 22],
    ['/count', 200, 1],
    ['/raw', 413, 'Content Too Large\n'.length],
  ]);
  ok(report.out[0]!.text.startsWith('{"method":"GET","url":"http://app.test/echo?a=1"'), report.out[0]!.text);
  equal(report.out[4]!.text, '1');
}

describe('createFetchHandler without JSPI', () => {
  it('serves through the worker strategy: bodies both ways, a failure as 500, then the next request', () => {
    const report = run([]);
    checkServed(report);
    equal(report.errors[0], 'BAD_RESPONSE', report.errors.join());
    // with workers, a handler granted outgoing HTTP serves
    equal(report.out[6]!.status, 200);
  });

  it('without workers either: synchronous instances, the body read whole first, outgoing HTTP refused with a reason', () => {
    const report = run(['--no-workers']);
    checkServed(report);
    equal(report.out[6]!.status, 500);
    const refusal = report.errors.at(-1)!;
    ok(/^UNSUPPORTED: .*served asynchronously.*lacks JavaScript Promise Integration/.test(refusal), refusal);
  });
});
