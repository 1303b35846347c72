/**
 * WASI 0.3 commands and workers. Under the 'worker' strategy (the guest in a worker, its host
 * here) a `run` lifted async is not run yet: the call is refused with UNSUPPORTED naming the
 * strategy that runs it (it resolved `{}` without output before). `runInWorker` (the whole
 * instance in a worker, with its own WASI host) runs them.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadComponent, runInWorker } from '../../src/index.node.js';
import { IsowasmError } from '../../src/core/errors.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';
import { equal, ok, rejects } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

describe('WASI 0.3 commands and the worker strategy', () => {
  it('refuses run() of a 0.3 command in a worker with UNSUPPORTED, and runs it under JSPI', async () => {
    const component = await loadComponent(readFileSync(conformanceP3Path('components/random/p3-random-imports.wasm')));
    const inWorker = await component.instantiate({ strategy: 'worker' });
    try {
      equal(inWorker.strategy, 'worker');
      const e = await rejects(() => (inWorker.exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run());
      ok(e instanceof IsowasmError && e.code === 'UNSUPPORTED' && /'jspi' strategy/.test(e.message), String(e));
    } finally {
      await inWorker.terminate?.();
    }
    const here = await component.instantiate({});
    equal(await (here.exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run(), undefined);
  });

  it('runInWorker runs a 0.3 command in a worker, with a host directory as its preopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isowasm-p3-worker-'));
    const w = await runInWorker<Record<string, { run(): Promise<unknown> }>>(conformanceP3Path('components/fs/p3-file-write.wasm'), { capabilities: { fs: { preopens: { '/': dir } } } });
    try {
      equal(await w.exports['wasi:cli/run']!.run(), undefined);
    } finally {
      await w.terminate();
    }
    equal(readdirSync(dir).sort().join(','), 'long_write.txt,test-zero-write-fails.txt');
    equal(readFileSync(join(dir, 'long_write.txt')).length, 65536);
  });
});
