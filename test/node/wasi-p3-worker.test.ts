/**
 * A WASI 0.3 command under the 'worker' strategy: its `run` is lifted async, which the worker
 * does not run yet; the call is refused with UNSUPPORTED naming the strategy that runs it (it
 * resolved `{}` without output before), and the same component runs under JSPI.
 */
import { readFileSync } from 'node:fs';
import { loadComponent } from '../../src/index.node.js';
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
});
