/**
 * A host stream the guest stops reading must be cancelled, also when the host's source has a
 * read in flight (a socket listener waiting for the next connection, a connection waiting for
 * bytes): otherwise the source, and what it holds open, lives on. test/fixtures/stream-take-one.wat
 * reads one byte from the stream it is given, then drops it. (Without this the corpus'
 * p3-sockets-tcp-bind fails, its listener staying bound, and the TCP programs leave their
 * listeners open: test/node/conformance-p3-sockets.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadComponent } from '../../src/node/index.js';
import { readFixture } from '../harness/fixtures.js';

describe('host streams a guest drops', () => {
  it('cancel their source even while a read of it is in flight', async () => {
    const component = await loadComponent(await readFixture('stream-take-one'));
    const { exports } = await component.instantiate();
    let pulls = 0;
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls++;
        if (pulls === 1) {
          c.enqueue(new Uint8Array([7]));
          return undefined;
        }
        // like a listener without a next connection: no answer yet
        return new Promise<void>(() => {});
      },
      cancel() { cancelled = true; },
    }, { highWaterMark: 0 });
    assert.equal(await (exports as { take(s: ReadableStream<Uint8Array>): Promise<number> }).take(source), 1);
    for (let k = 0; k < 50 && !cancelled; k++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(cancelled, true, `the source was pulled ${pulls} times and never cancelled`);
  });
});
