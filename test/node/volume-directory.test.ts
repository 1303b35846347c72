/**
 * The Volume contract suite on the directory volume (a host directory, in a temp dir), and the
 * confinement that is its own: host links leading out, hard links, devices, a swapped-in link.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirectoryVolume } from '../../src/node/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { codeOf, testVolume } from '../shared/volume-suite.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'isowasm-volume-'));
}

testVolume('directory volume', async ({ readOnly, files }) => {
  const dir = tempDir();
  for (const [p, content] of Object.entries(files ?? {})) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return {
    volume: createDirectoryVolume(dir, { readOnly }),
    reopen: async () => createDirectoryVolume(dir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('createDirectoryVolume: confinement of its own', () => {
  it('refuses regular files with more than one hard link (another may be outside), but lets their name go', () => {
    const top = tempDir();
    try {
      mkdirSync(join(top, 'root'));
      writeFileSync(join(top, 'outside.txt'), 'outside secret');
      linkSync(join(top, 'outside.txt'), join(top, 'root', 'hard'));
      const v = createDirectoryVolume(join(top, 'root'));
      equal(codeOf(() => v.lstat(['hard'])), 'not-permitted');
      equal(codeOf(() => v.read(['hard'], 0, 100)), 'not-permitted');
      equal(codeOf(() => v.write(['hard'], 0, new Uint8Array([120]))), 'not-permitted');
      equal(codeOf(() => v.truncate(['hard'], 0)), 'not-permitted');
      equal(codeOf(() => v.setTimes(['hard'], 0n, 0n)), 'not-permitted');
      equal(v.link, undefined, 'and it makes none');
      v.unlink(['hard']);
      equal(readFileSync(join(top, 'outside.txt'), 'utf8'), 'outside secret');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('never follows host links: not in the middle of a path, not at its end, not as its root', () => {
    const top = tempDir();
    try {
      mkdirSync(join(top, 'root'));
      mkdirSync(join(top, 'outside'));
      writeFileSync(join(top, 'outside', 'secret.txt'), 'secret');
      symlinkSync('../outside', join(top, 'root', 'out-dir'));
      symlinkSync(join(top, 'outside', 'secret.txt'), join(top, 'root', 'out-file'));
      const v = createDirectoryVolume(join(top, 'root'));
      equal(codeOf(() => v.read(['out-dir', 'secret.txt'], 0, 10)), 'not-permitted');
      equal(codeOf(() => v.lstat(['out-dir', 'secret.txt'])), 'not-permitted');
      equal(codeOf(() => v.readdir(['out-dir'])), 'not-permitted');
      equal(codeOf(() => v.createFile(['out-dir', 'planted'])), 'not-permitted');
      equal(codeOf(() => v.mkdir(['out-dir', 'planted'])), 'not-permitted');
      equal(codeOf(() => v.read(['out-file'], 0, 10)), 'loop');
      equal(codeOf(() => v.write(['out-file'], 0, new Uint8Array([1]))), 'loop');
      equal(codeOf(() => v.truncate(['out-file'], 0)), 'loop');
      equal(codeOf(() => v.createFile(['out-file'])), 'exist');
      v.setTimes(['out-file'], 0n, 0n); // the link's own times (lutimes), not the target's
      ok(readFileSync(join(top, 'outside', 'secret.txt'), 'utf8') === 'secret');
      equal(v.lstat(['out-file']).type, 'symbolic-link');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('refuses a directory swapped for a link after it was checked (the realpath wall)', () => {
    const top = tempDir();
    try {
      mkdirSync(join(top, 'root', 'sub'), { recursive: true });
      mkdirSync(join(top, 'outside'));
      writeFileSync(join(top, 'outside', 'x'), 'outside');
      const v = createDirectoryVolume(join(top, 'root'));
      equal(v.lstat(['sub']).type, 'directory');
      // the host (or a racing instance) swaps the checked directory for a link
      rmSync(join(top, 'root', 'sub'), { recursive: true });
      symlinkSync('../outside', join(top, 'root', 'sub'));
      equal(codeOf(() => v.read(['sub', 'x'], 0, 10)), 'not-permitted');
      equal(codeOf(() => v.write(['sub', 'x'], 0, new Uint8Array([1]))), 'not-permitted');
      equal(codeOf(() => v.unlink(['sub', 'x'])), 'not-permitted');
      equal(codeOf(() => v.rename(['sub', 'x'], ['stolen'])), 'not-permitted');
      equal(readFileSync(join(top, 'outside', 'x'), 'utf8'), 'outside');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('does not open FIFOs (a read would block the host)', () => {
    const top = tempDir();
    try {
      execFileSync('mkfifo', [join(top, 'pipe')]);
      const v = createDirectoryVolume(top);
      equal(v.lstat(['pipe']).type, 'fifo');
      equal(codeOf(() => v.read(['pipe'], 0, 10)), 'unsupported');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('needs an existing directory', () => {
    const top = tempDir();
    try {
      writeFileSync(join(top, 'file'), 'x');
      throws(() => createDirectoryVolume(join(top, 'missing')), { instanceOf: TypeError });
      throws(() => createDirectoryVolume(join(top, 'file')), { instanceOf: TypeError });
      throws(() => createDirectoryVolume(''), { instanceOf: TypeError });
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
