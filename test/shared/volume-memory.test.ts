/** The Volume contract suite on the memory volume (Node and Chromium), and what is its own. */
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import { VolumeError } from '../../src/core/host/volume.js';
import { deepEqual, equal, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { codeOf, testVolume } from './volume-suite.js';

testVolume('memory volume', async ({ readOnly, files }) => ({ volume: createMemoryVolume(files, { readOnly }) }));

describe('createMemoryVolume', () => {
  it('seeds files (text or bytes) and empty directories, creating parents', () => {
    const v = createMemoryVolume({ 'a/b/c.txt': 'deep', 'bin': new Uint8Array([1, 2, 3]), 'empty/': null });
    equal(new TextDecoder().decode(v.read(['a', 'b', 'c.txt'], 0, 100)), 'deep');
    deepEqual([...v.read(['bin'], 0, 100)], [1, 2, 3]);
    equal(v.lstat(['empty']).type, 'directory');
    deepEqual(v.readdir([]).map((e) => e.name).sort(), ['a', 'bin', 'empty']);
  });

  it('refuses seeds that are not plain relative paths, or content of the wrong type', () => {
    throws(() => createMemoryVolume({ '../x': 'no' }), { instanceOf: TypeError });
    throws(() => createMemoryVolume({ 'a/./b': 'no' }), { instanceOf: TypeError });
    throws(() => createMemoryVolume({ 'a': 'file', 'a/b': 'under a file' }), { instanceOf: TypeError });
    throws(() => createMemoryVolume({ 'x': 42 as unknown as string }), { instanceOf: TypeError });
  });

  it('caps a file\'s size (file-too-large), so a guest writing far out can\'t exhaust host memory', () => {
    const v = createMemoryVolume({}, { maxFileSize: 1024 });
    v.createFile(['f']);
    v.write(['f'], 1000, new Uint8Array(24));
    equal(codeOf(() => v.write(['f'], 1020, new Uint8Array(5))), 'file-too-large');
    equal(codeOf(() => v.write(['f'], 2 ** 40, new Uint8Array(1))), 'file-too-large');
    equal(codeOf(() => v.truncate(['f'], 1025)), 'file-too-large');
    equal(v.lstat(['f']).size, 1024);
    // the default cap is generous but finite
    const big = createMemoryVolume();
    big.createFile(['f']);
    equal(codeOf(() => big.write(['f'], 2 ** 40, new Uint8Array(1))), 'file-too-large');
  });

  it('VolumeError accepts only wasi:filesystem error codes', () => {
    equal(new VolumeError('no-entry').code, 'no-entry');
    throws(() => new VolumeError('ENOENT' as 'no-entry'), { instanceOf: TypeError });
  });
});
