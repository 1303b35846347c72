/**
 * The lifetime of 'worker' instances in Node, in a child process run with --expose-gc: a worker
 * stops once nothing references its instance, and an idle worker that is still referenced does
 * not keep the process from ending.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deepEqual, equal } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const child = fileURLToPath(new URL('./strategy-lifetime-child.js', import.meta.url));

describe('strategy worker: lifetime in Node', () => {
  it('the worker of a garbage-collected instance stops; a referenced idle one lets the process end by itself', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', child], { encoding: 'utf8', timeout: 60_000 });
    equal(r.error, undefined, 'the child ended within a minute');
    equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    deepEqual(report, { started: 2, stopped: 1, keptResult: 'called sync', droppedResult: 'called async', keptStrategy: 'worker' });
  });
});
