/**
 * The Volume contract suite on the directory volume (a host directory, in a temp dir), and the
 * confinement that is its own: host links leading out, hard links, devices, a swapped-in link.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '../../src/core/index.js';
import { createDirectoryVolume } from '../../src/node/index.js';
import { createDirectoryVolumeForTests } from '../../src/node/volumes.js';
import { deepEqual, equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { codeOf, testVolume } from '../shared/volume-suite.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'isowasm-volume-'));
}

for (const procFd of [true, false]) {
  testVolume(`directory volume${procFd ? '' : ' (acting by checked paths, as where /proc/self/fd is missing)'}`, async ({ readOnly, files }) => {
    const dir = tempDir();
    for (const [p, content] of Object.entries(files ?? {})) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), content);
    }
    return {
      volume: procFd ? createDirectoryVolume(dir, { readOnly }) : createDirectoryVolumeForTests(dir, { readOnly, procFd }),
      reopen: async () => createDirectoryVolume(dir),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
      refusesDotDotLinks: !procFd,
    };
  });
}

/**
 * A host directory where a racing process will swap root/p, once checked, for a link to
 * ../outside (which holds files named like those in p), keeping the real p as root/p-aside.
 */
function swapLayout(procFd: boolean) {
  const top = tempDir();
  const root = join(top, 'root');
  mkdirSync(join(root, 'p'), { recursive: true });
  mkdirSync(join(root, 'q'));
  mkdirSync(join(top, 'outside'));
  writeFileSync(join(root, 'p', 'f'), 'decoy');
  writeFileSync(join(root, 'q', 'h'), 'mine');
  writeFileSync(join(top, 'outside', 'f'), 'outside secret');
  let armed = false;
  const v = createDirectoryVolumeForTests(root, {
    procFd,
    beforeAct: () => {
      if (!armed) return;
      armed = false;
      renameSync(join(root, 'p'), join(root, 'p-aside'));
      symlinkSync('../outside', join(root, 'p'));
    },
  });
  const outside = (): string[] => readdirSync(join(top, 'outside')).sort().map((n) => `${n}: ${readFileSync(join(top, 'outside', n), 'utf8')}`);
  return { top, root, v, arm: () => { armed = true; }, outside, cleanup: () => rmSync(top, { recursive: true, force: true }) };
}

describe('createDirectoryVolume: a directory swapped for a link between the check and the act', () => {
  it('acts through /proc/self/fd on Linux', () => {
    const dir = tempDir();
    try {
      equal(createDirectoryVolumeForTests(dir).procFd, process.platform === 'linux', 'the test host has /proc/self/fd');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  type Case = readonly [name: string, act: (v: Volume) => unknown, inChecked: (root: string) => void];
  const cases: Case[] = [
    ['read', (v) => new TextDecoder().decode(v.read(['p', 'f'], 0, 100)), () => {}],
    ['write', (v) => v.write(['p', 'f'], 0, new TextEncoder().encode('D')), (root) => equal(readFileSync(join(root, 'p-aside', 'f'), 'utf8'), 'Decoy')],
    ['lstat', (v) => v.lstat(['p', 'f']).size, () => {}],
    ['readdir', (v) => v.readdir(['p']).map((e) => e.name), () => {}],
    ['rename out of it', (v) => v.rename(['p', 'f'], ['q', 'g']), (root) => equal(readFileSync(join(root, 'q', 'g'), 'utf8'), 'decoy')],
    ['rename into it', (v) => v.rename(['q', 'h'], ['p', 'g']), (root) => equal(readFileSync(join(root, 'p-aside', 'g'), 'utf8'), 'mine')],
    ['createFile', (v) => v.createFile(['p', 'new']), (root) => ok(lstatSync(join(root, 'p-aside', 'new')).isFile())],
    ['mkdir', (v) => v.mkdir(['p', 'new']), (root) => ok(lstatSync(join(root, 'p-aside', 'new')).isDirectory())],
    ['symlink', (v) => v.symlink!('f', ['p', 'new']), (root) => ok(lstatSync(join(root, 'p-aside', 'new')).isSymbolicLink())],
    ['setTimes', (v) => v.setTimes(['p', 'f'], 0n, 0n), (root) => equal(lstatSync(join(root, 'p-aside', 'f')).mtimeMs, 0)],
    ['truncate', (v) => v.truncate(['p', 'f'], 1), (root) => equal(readFileSync(join(root, 'p-aside', 'f'), 'utf8'), 'd')],
    ['unlink', (v) => v.unlink(['p', 'f']), (root) => equal(lstatSync(join(root, 'p-aside', 'f'), { throwIfNoEntry: false }), undefined)],
  ];
  const expected: Record<string, unknown> = { read: 'decoy', lstat: 5, readdir: ['f'] };

  for (const [name, act, inChecked] of cases) {
    it(`${name}: on Linux it acts in the directory it checked, wherever that moved; nothing outside is touched`, () => {
      if (process.platform !== 'linux') return;
      const t = swapLayout(true);
      try {
        const before = t.outside();
        t.arm();
        const got = act(t.v);
        if (name in expected) deepEqual(got, expected[name]);
        inChecked(t.root);
        deepEqual(t.outside(), before);
      } finally {
        t.cleanup();
      }
    });
  }

  // where the volume can only check paths, it looks again after acting; unlink and setTimes can't be undone (see src/node/volumes.ts)
  for (const [name, act] of cases.filter(([n]) => n !== 'unlink' && n !== 'setTimes')) {
    it(`${name}: by checked paths, it notices, undoes what it did, and refuses; nothing outside is read or left changed`, () => {
      const t = swapLayout(false);
      try {
        const before = t.outside();
        t.arm();
        equal(codeOf(() => act(t.v)), 'not-permitted');
        deepEqual(t.outside(), before);
        equal(lstatSync(join(t.root, 'q', 'g'), { throwIfNoEntry: false }), undefined, 'nothing came in');
      } finally {
        t.cleanup();
      }
    });
  }
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
