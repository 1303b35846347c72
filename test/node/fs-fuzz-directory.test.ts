/**
 * The seeded path fuzz against a host directory: every path the host hands the directory volume
 * is checked on the host itself (each directory above it is a real directory inside the root,
 * by lstat and realpath), only wasi error codes escape, and nothing outside changes.
 */
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { VolumePath } from '../../src/core/index.js';
import { createDirectoryVolume } from '../../src/node/index.js';
import { createDirectoryVolumeForTests } from '../../src/node/volumes.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { fuzzFilesystem, spyVolume } from '../shared/fs-fuzz-harness.js';

const NAMES = ['a', 'b', 'sub', 'file.txt', 'link-in', 'link-out', 'link-abs', 'link-loop', 'link-up', 'hard'];

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((p) => {
    const full = join(dir, p);
    const st = lstatSync(full);
    return st.isFile() ? `${p} ${createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 12)}` : p;
  });
}

describe('seeded fuzz of guest paths (host directory)', () => {
  // seed 14: the volume acting by checked paths, as where /proc/self/fd is missing
  for (const seed of [11, 12, 13, 14]) {
    it(`seed ${seed}${seed === 14 ? ' (by checked paths)' : ''}: every path stays inside the root (checked on the host), only wasi error codes escape, nothing outside changes`, () => {
      const top = realpathSync(mkdtempSync(join(tmpdir(), 'isowasm-fuzz-')));
      try {
        const root = join(top, 'root');
        mkdirSync(join(root, 'sub'), { recursive: true });
        mkdirSync(join(top, 'outside'));
        writeFileSync(join(top, 'outside', 'secret.txt'), 'secret');
        writeFileSync(join(top, 'hard-secret.txt'), 'hard secret');
        writeFileSync(join(root, 'file.txt'), 'top');
        writeFileSync(join(root, 'sub', 'file.txt'), 'in sub');
        symlinkSync('sub', join(root, 'link-in'));
        symlinkSync('../outside', join(root, 'link-out'));
        symlinkSync(join(top, 'outside'), join(root, 'link-abs'));
        symlinkSync('link-loop', join(root, 'link-loop'));
        symlinkSync('sub/../..', join(root, 'link-up'));
        linkSync(join(top, 'hard-secret.txt'), join(root, 'hard'));
        const outsideBefore = listing(join(top, 'outside'));
        const hardBefore = readFileSync(join(top, 'hard-secret.txt'), 'utf8');

        let checked = 0;
        const onHost = (p: VolumePath): void => {
          // every directory above the object: a real directory (not a link), resolving inside the root
          let dir = root;
          for (let i = 0; i < p.length - 1; i++) {
            dir = join(dir, p[i]!);
            let st;
            try {
              st = lstatSync(dir);
            } catch {
              return; // missing: the volume answers no-entry itself
            }
            if (st.isSymbolicLink()) throw new Error(`the host passed ${JSON.stringify(p)} through the link ${dir}`);
            if (!st.isDirectory()) return;
            const real = realpathSync(dir);
            if (real !== dir || !real.startsWith(root + sep)) throw new Error(`${dir} resolves to ${real}, outside ${root}`);
          }
          checked++;
        };
        const volume = seed === 14 ? createDirectoryVolumeForTests(root, { procFd: false }) : createDirectoryVolume(root);
        const report = fuzzFilesystem(spyVolume(volume, onHost), seed, 2500, NAMES);
        ok(report.succeeded > 100, `the fuzz must reach the host (${report.succeeded} calls succeeded: ${JSON.stringify(report.codes)})`);
        ok(checked > 1000, `paths checked on the host: ${checked}`);
        ok((report.codes['not-permitted'] ?? 0) > 50, `escapes were tried and refused: ${JSON.stringify(report.codes)}`);
        deepEqual(readdirSync(top).sort(), ['hard-secret.txt', 'outside', 'root'], 'nothing appeared beside the root');
        deepEqual(listing(join(top, 'outside')), outsideBefore, 'nothing outside changed');
        equal(readFileSync(join(top, 'hard-secret.txt'), 'utf8'), hardBefore);
      } finally {
        rmSync(top, { recursive: true, force: true });
      }
    });
  }
});
