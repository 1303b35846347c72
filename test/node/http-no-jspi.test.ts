/**
 * createFetchHandler where the runtime has no JSPI: each instance runs in a worker that blocks in
 * Atomics.wait while this thread does the I/O (the 'worker' strategy), chosen without being
 * asked. Proven in a child process whose Node has WebAssembly.Suspending removed: request bodies
 * stream in, response bodies stream out, a failing guest is a 500 and the next request is served.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deepEqual, equal } from 'node:assert/strict';
import { describe, it } from 'node:test';

const child = fileURLToPath(new URL('./http-no-jspi-child.js', import.meta.url));

describe('createFetchHandler without JSPI', () => {
  it('serves through the worker strategy: bodies both ways, a failure as 500, then the next request', () => {
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 120_000 });
    equal(r.status, 0, `the child failed (${String(r.status)}): ${r.stderr}`);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { jspi: string; out: { path: string; status: number; length: number; text: string }[]; errors: string[] };
    equal(report.jspi, 'undefined');
    deepEqual(report.out.map((o) => [o.path, o.status, o.length]), [
      ['/echo?a=1', 200, report.out[0]!.length],
      ['/raw', 200, 200_000],
      ['/stream?mb=1', 200, 1024 * 1024],
      ['/trap', 500, 22],
      ['/count', 200, 1],
    ]);
    equal(report.out[0]!.text.startsWith('{"method":"GET","url":"http://app.test/echo?a=1"'), true, report.out[0]!.text);
    equal(report.out[4]!.text, '1');
    equal(report.errors.length, 1, `one failure reported: ${report.errors.join()}`);
  });
});
