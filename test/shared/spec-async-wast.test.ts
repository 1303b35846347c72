/**
 * The Component Model specification's async `.wast` tests (test/async in
 * WebAssembly/component-model, vendored in test/fixtures/spec-async/ with their commit), run by
 * isowasm: each script's components are encoded by `jco parse` (npm run fixtures) and driven
 * through loadComponent / instantiate under JSPI (test/harness/wast-runner.ts); every assertion of
 * a script must hold, and a trap must be the trap the script names (REASONS below).
 *
 * A script that can't pass yet is listed in EXPECTED_FAILURES with the reason; its test asserts
 * that it still fails, so a script that starts passing must leave the list.
 */
import { AssertionError } from '../harness/assert.js';
import { isNode, describe, it } from '../harness/test-api.js';
import { runWastScript } from '../harness/wast-runner.js';

/** The 34 scripts of test/async at the vendored commit. */
const FILES = [
  'async-calls-sync', 'big-interleaving-test', 'builtin-trap-poisons-instance', 'cancel-stream', 'cancel-subtask',
  'cancellable', 'closed-stream', 'cross-abi-calls', 'cross-task-future', 'deadlock', 'dont-block-start',
  'drop-cross-task-borrow', 'drop-stream', 'drop-subtask', 'drop-waitable-set',
  'during-sync-call-may-block-if-other-ready-threads', 'during-sync-call-no-exclusive-resume',
  'during-sync-call-no-sibling-resume', 'empty-wait', 'futures-must-write', 'partial-stream-copies',
  'passing-resources', 'same-component-stream-future', 'sync-barges-in', 'sync-streams', 'trap-if-block-and-sync',
  'trap-if-done', 'trap-if-sync-and-waitable-set', 'trap-if-transfer-in-waitable-set', 'trap-on-reenter',
  'validate-no-async-abi-for-sync-type', 'validate-no-stream-char', 'wait-during-callback', 'zero-length',
];

/**
 * What isowasm says for each trap (or validation error) message of the scripts: a trap counts
 * only when isowasm's message matches, so a guest's `unreachable` reached because isowasm got an
 * earlier step wrong never passes for the trap the script wants.
 */
const REASONS: Record<string, RegExp> = {
  'unreachable': /\bunreachable\b/,
  'wasm trap: wasm `unreachable` instruction executed': /\bunreachable\b/,
  'cannot enter component instance': /trapped earlier|re-?enter/,
  'wasm trap: cannot enter component instance': /re-?enter/,
  'cannot drop future write end without first writing a value': /writable end \d+ of a future is dropped before its value was written/,
  'cannot have concurrent operations active on a future/stream': /already copying/,
  'cannot drop busy stream': /dropped while it copies/,
  'cannot remove busy stream': /dropped while it copies/,
  'cannot drop a subtask which has not yet resolved': /subtask \d+ is dropped before it returned/,
  'cannot drop waitable set with waiters': /waitable set \d+ is dropped while a task waits on it/,
  'borrow handles still remain at the end of the call': /borrowed handle/,
  'unknown handle index 3': /\b3 is not a (stream|future) of this instance|handle 3 is not valid/,
  'cannot read from and write to intra-component future': /can't be copied between two ends in one instance/,
  'unsupported callback code': /which is not a callback code/,
  'cannot write to future after previous write succeeded': /end \d+ is done/,
  'cannot write to future after previous write succeeded or readable end dropped': /end \d+ is done/,
  'cannot read from future after previous read succeeded': /end \d+ is done/,
  'cannot write to stream after being notified that the readable end dropped': /end \d+ is done/,
  'cannot read from stream after being notified that the writable end dropped': /end \d+ is done/,
  'cannot lift future after previous read succeeded': /passed on while it is done/,
  'cannot lift stream after being notified that the writable end dropped': /passed on while it is done/,
  'cannot lift future while it\'s in a waitable set': /passed on while it is in a waitable set/,
  'cannot lift stream while it\'s in a waitable set': /passed on while it is in a waitable set/,
  'waitable cannot be used synchronously while added to a waitable set': /is in a waitable set/,
  'cannot block a synchronous task before returning': /synchronous task .*block|blocks? before (it )?return/,
  'deadlock detected: event loop cannot make further progress': /deadlock/,
  'wasm trap: deadlock detected: event loop cannot make further progress': /deadlock/,
  'the `async` canonical option requires an async function type': /requires an async function type|is not an async func/,
  '`stream<char>` is not valid': /stream<char>/,
};

/**
 * The scripts isowasm can't pass yet, with the reason (the first assertion that fails, and what is
 * missing). Their tests assert that they still fail: shrink this list as the features land.
 */
const EXPECTED_FAILURES: Record<string, string> = {
  'async-calls-sync': 'line 250: an async lower of a busy synchronously lifted callee reports STARTED (0x41), not STARTING (0x40): no backpressure for sync lifts',
  'big-interleaving-test': 'line 863: run traps (unreachable): a step of the interleaving differs',
  'cancel-stream': 'line 202: run traps (unreachable)',
  'cancel-subtask': 'line 201: run traps (unreachable)',
  'cancellable': 'jco 1.35 cannot encode it: its wast parser removed the `cancellable` immediate (component-model#716, after the vendored commit)',
  'cross-abi-calls': 'line 479: async-calls-async-4-param traps (unreachable)',
  'deadlock': 'line 73: no deadlock detection: the call ends with TIMEOUT instead of a trap',
  'dont-block-start': 'line 3: blocking in a start function fails as a JSPI error, not as the spec\'s "cannot block a synchronous task" trap',
  'drop-waitable-set': 'line 84: the guest reaches unreachable instead of trapping on waitable-set.drop with a waiter',
  'during-sync-call-may-block-if-other-ready-threads': 'thread.new-indirect (cooperative threads) is not implemented (upstream lists this script in test/nyi.txt)',
  'during-sync-call-no-exclusive-resume': 'thread.new-indirect (cooperative threads) is not implemented (upstream lists this script in test/nyi.txt)',
  'during-sync-call-no-sibling-resume': 'thread.new-indirect (cooperative threads) is not implemented (upstream lists this script in test/nyi.txt)',
  'empty-wait': 'line 199: run traps (unreachable)',
  'partial-stream-copies': 'line 238: run traps (unreachable)',
  'passing-resources': 'line 176: handle indices differ (isowasm reports handle 1, the spec 3)',
  'sync-barges-in': 'line 323: "a resource destructor would re-enter" trap',
  'trap-if-block-and-sync': 'line 287: a sync task blocking is not trapped as "cannot block a synchronous task"',
  'trap-if-done': 'line 446: a call returning a future from a component that may suspend never settles',
  'trap-if-sync-and-waitable-set': 'thread.new-indirect (cooperative threads) is not implemented',
  'trap-on-reenter': 'line 65: re-entering a component instance is not trapped',
};

// a guest that never answers ends with TIMEOUT, and a call isowasm never settles fails as hung,
// instead of hanging the suite (no assertion is about time: every script answers in well under 1 s)
const TIMEOUT_MS = 3_000;
const HANG_MS = 6_000;

describe('Component Model spec async .wast scripts', () => {
  if (isNode) {
    it('the suite lists every vendored script', async () => {
      const fs = 'node:fs';
      const { readdirSync } = (await import(fs)) as typeof import('node:fs');
      const onDisk = readdirSync(new URL('../../../test/fixtures/spec-async/', import.meta.url)).filter((f) => f.endsWith('.wast')).map((f) => f.slice(0, -5)).sort();
      if (onDisk.join() !== [...FILES].sort().join()) throw new AssertionError(`FILES (${FILES.length}) and test/fixtures/spec-async (${onDisk.length}) differ`);
      for (const f of Object.keys(EXPECTED_FAILURES)) if (!FILES.includes(f)) throw new AssertionError(`EXPECTED_FAILURES names ${f}, which is not a script`);
    });
  }

  for (const name of FILES) {
    const why = EXPECTED_FAILURES[name];
    it(`${name}.wast${why === undefined ? '' : ' (expected to fail)'}`, async () => {
      const run = runWastScript('spec-async', `${name}.wast`, { reason: (m) => REASONS[m], timeoutMs: TIMEOUT_MS, hangMs: HANG_MS });
      if (why === undefined) {
        await run;
        return;
      }
      try {
        await run;
      } catch {
        return;
      }
      throw new AssertionError(`${name}.wast passes now: remove it from EXPECTED_FAILURES (it was listed because: ${why})`);
    });
  }
});
