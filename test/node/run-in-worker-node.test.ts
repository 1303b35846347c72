/**
 * runInWorker in Node from a file path, with integrity: the worker restarts after a timeout from
 * the bytes it read once (they are copied for each worker, never moved away from the next one),
 * and wrong integrity is refused before any worker starts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { integrityOf, runInWorker } from '../../src/index.node.js';

const file = fileURLToPath(new URL('../../fixtures/offload-guest.wasm', import.meta.url));

interface Guest { count(): Promise<number>; forever(): Promise<void> }

describe('runInWorker from a file path', () => {
  it('restarts after a timeout, twice, from the file\'s bytes; the right integrity loads, a wrong one is refused', async () => {
    const integrity = await integrityOf(readFileSync(file));
    const w = await runInWorker<Guest>(file, { timeoutMs: 200, integrity });
    try {
      for (let round = 1; round <= 2; round++) {
        assert.equal(await w.exports.count(), 1);
        await assert.rejects(w.exports.forever(), { code: 'TIMEOUT' });
        assert.equal(w.restarts, round);
      }
      assert.equal(await w.exports.count(), 1, 'a fresh worker and instance after each timeout');
    } finally {
      await w.terminate();
    }
    await assert.rejects(runInWorker(file, { integrity: `sha256-${Buffer.alloc(32).toString('base64')}` }), { code: 'INTEGRITY_MISMATCH' });
  });
});
