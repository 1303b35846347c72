/** The seeded path fuzz against the memory volume (Node and Chromium); test/node runs it on host directories. */
import { type VolumePath } from '../../src/core/index.js';
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { plantLinks } from './fs-guest-harness.js';
import { fuzzFilesystem, spyVolume } from './fs-fuzz-harness.js';

const NAMES = ['a', 'b', 'sub', 'file.txt', 'link-in', 'link-out', 'link-abs', 'link-loop', 'link-up'];

describe('seeded fuzz of guest paths (memory volume)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: only wasi error codes escape; every path handed to the volume is normalised and goes through real directories`, () => {
      const inner = createMemoryVolume({ 'sub/file.txt': 'in sub', 'file.txt': 'top' });
      inner.symlink!('sub', ['link-in']);
      inner.symlink!('../outside', ['link-out']);
      inner.symlink!('link-loop', ['link-loop']);
      inner.symlink!('sub/../..', ['link-up']);
      const planted = plantLinks(inner, { 'link-abs': '/etc' });
      let checked = 0;
      const throughDirs = (p: VolumePath): void => {
        // storage side: each directory above the object is a real directory of the volume
        for (let i = 1; i < p.length; i++) {
          let type: string;
          try {
            type = inner.lstat(p.slice(0, i)).type;
          } catch {
            continue; // gone: the volume itself answers no-entry
          }
          if (type !== 'directory') throw new Error(`the host passed ${JSON.stringify(p)}, through a ${type}`);
        }
        checked++;
      };
      const report = fuzzFilesystem(spyVolume(planted, throughDirs), seed, 3000, NAMES);
      ok(report.succeeded > 150, `the fuzz must reach the volume (${report.succeeded} calls succeeded: ${JSON.stringify(report.codes)})`);
      ok(checked > 1000, `paths checked: ${checked}`);
      ok((report.codes['not-permitted'] ?? 0) > 50, `escapes were tried and refused: ${JSON.stringify(report.codes)}`);
      // every link the fuzz made stays inside, as text
      const links: string[] = [];
      const walk = (p: string[]): void => {
        for (const e of inner.readdir(p)) {
          const here = [...p, e.name];
          if (e.type === 'directory') walk(here);
          if (e.type === 'symbolic-link' && !['link-out', 'link-up'].includes(e.name)) links.push(inner.readlink!(here));
        }
      };
      walk([]);
      equal(links.filter((t) => t.startsWith('/')).length, 0, 'no absolute link was created');
      deepEqual(inner.readlink!(['link-out']), '../outside');
    });
  }
});
