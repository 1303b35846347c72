/**
 * Component-model async at volume (issue 13's safety item): 10,000 calls at once into one
 * instance of the corpus' stackless round trip, each waiting on the host, all complete with the
 * right answers, and the instance's tables and the process' memory are back where they were.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadComponent } from '../../src/index.node.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';
import { collected } from '../harness/heap.js';

describe('component-model async: 10,000 calls at once into one instance', () => {
  it('all complete with their answers, and memory is flat across rounds', async () => {
    const bytes = readFileSync(conformanceP3Path('components/round-trip/async-round-trip-stackless.wasm'));
    const host = async (s: string): Promise<string> => {
      await Promise.resolve();
      return `${s} - entered host - exited host`;
    };
    const { exports } = await (await loadComponent(bytes)).instantiate({ imports: { 'local:local/baz': { foo: host } } });
    const baz = (exports as { baz: { foo(s: string): Promise<string> } }).baz;
    const round = async (): Promise<void> => {
      const out = await Promise.all(Array.from({ length: 10_000 }, (_, i) => baz.foo(`#${i}`)));
      out.forEach((s, i) => assert.equal(s, `#${i} - entered guest - entered host - exited host - exited guest`));
    };
    // the first round brings the guest's allocator and V8's caches to their working size
    await round();
    const held = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external;
    const before = held(await collected());
    for (let r = 0; r < 3; r++) await round();
    const grown = held(await collected()) - before;
    // 1 MiB (a round grows some 40-70 KB): a subtask left in the table each call grows 1.7 MB
    assert.ok(grown < 2 ** 20, `memory grew ${(grown / 2 ** 20).toFixed(1)} MiB over 30,000 calls`);
  });
});
