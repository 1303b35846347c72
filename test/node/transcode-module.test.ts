/**
 * The string transcoder of src/core/abi/transcode.ts: its bytes are compiled from transcode.wat
 * by scripts/build-transcoder.mjs and must not drift apart; where it is missing, strings still work.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the string transcoder module', () => {
  it('transcode.ts holds the bytes of transcode.wat', () => {
    const r = spawnSync(process.execPath, ['scripts/build-transcoder.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('without the JS String Builtins, strings take the other paths and the string suite passes', () => {
    // as in engines that lack them: the transcoder is null (the suite checks), TextEncoder and JS do the work
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // a test run of its own, not a child reporting to this one
    const r = spawnSync(process.execPath, ['--no-experimental-wasm-imported-strings', '--test', 'build/test/shared/values-strings.test.js'], { cwd: root, encoding: 'utf8', env });
    equal(r.status, 0, `${r.stdout.slice(-4000)}${r.stderr.slice(-2000)}`);
    ok(/^ℹ pass [1-9]/m.test(r.stdout) && /^ℹ fail 0$/m.test(r.stdout), r.stdout.slice(-2000));
  });
});
