/**
 * The shared state of a stream's two ends (src/core/abi/async-copy.ts), driven directly with
 * buffers of plain values: the specification's rendezvous and short copies, a host writer's last
 * chunk ending the stream with it when a reader takes it all at once, and the trap for copying
 * values that aren't plain numbers between two ends in one instance.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COPY_COMPLETED, COPY_DROPPED, type CopyBuffer, SharedStream } from '../../src/core/abi/async-copy.js';
import type { InstanceState } from '../../src/core/abi/context.js';
import { AbiTrap } from '../../src/core/errors.js';

/** A buffer of JS values: a source with `items`, or a sink with room for `room`. */
function buffer(items: unknown[], room = items.length): CopyBuffer & { got: unknown[] } {
  const got: unknown[] = [];
  return {
    length: room,
    progress: 0,
    got,
    remain() { return this.length - this.progress; },
    read(n) { const out = items.slice(this.progress, this.progress + n); this.progress += n; return out; },
    write(vs) { for (let i = 0; i < vs.length; i++) got.push(vs[i]); this.progress += vs.length; },
  };
}

const guest = {} as InstanceState;

describe('a stream\'s shared state', () => {
  it('a host writer\'s last chunk, all taken by one read, ends the stream with it (DROPPED with the elements)', () => {
    const s = new SharedStream(null, 'u32', true, false);
    const src = buffer([1, 2, 3]);
    let reclaimed = false;
    s.copy(null, src, true, (reclaim) => { reclaim(); reclaimed = true; }, () => {}, true);
    const dst = buffer([], 5);
    let result = -1;
    s.copy(guest, dst, false, () => {}, (r) => { result = r; });
    assert.deepEqual(dst.got, [1, 2, 3]);
    assert.equal(result, COPY_DROPPED);
    assert.ok(reclaimed && s.dropped);
  });

  it('without `last`, or with elements left over, the same read completes and the stream stays open', () => {
    for (const [last, room] of [[false, 5], [true, 2]] as const) {
      const s = new SharedStream(null, 'u32', true, false);
      s.copy(null, buffer([1, 2, 3]), true, (reclaim) => reclaim(), () => {}, last);
      const dst = buffer([], room);
      let result = -1;
      s.copy(guest, dst, false, () => {}, (r) => { result = r; });
      assert.equal(result, COPY_COMPLETED, `last ${last}, room ${room}`);
      assert.equal(dst.got.length, Math.min(3, room));
      assert.equal(s.dropped, false);
    }
  });

  it('values that aren\'t plain numbers can\'t be copied between two ends in one instance', () => {
    const s = new SharedStream(null, 'string', false, false);
    s.copy(guest, buffer(['a']), true, () => {}, () => {});
    assert.throws(() => s.copy(guest, buffer([], 1), false, () => {}, () => {}), (e: unknown) => e instanceof AbiTrap && /in one instance/.test((e as Error).message));
    // plain numbers may
    const n = new SharedStream(null, 'u8', true, true);
    n.copy(guest, buffer([7]), true, () => {}, () => {});
    const dst = buffer([], 1);
    n.copy(guest, dst, false, () => {}, () => {});
    assert.deepEqual(dst.got, [7]);
  });
});
