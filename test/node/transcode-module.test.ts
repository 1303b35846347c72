/**
 * The bytes of the string transcoder in src/core/abi/transcode.ts are compiled from
 * transcode.wat by scripts/build-transcoder.mjs: they must not drift apart.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { equal } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the string transcoder module', () => {
  it('transcode.ts holds the bytes of transcode.wat', () => {
    const r = spawnSync(process.execPath, ['scripts/build-transcoder.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
