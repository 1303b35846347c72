/**
 * C guests against host directories (the directory volume, granted as a string and as an
 * object): the file-operations guest, and the hostile guest against links the test plants on the
 * host (a relative one leading out, absolute ones to /etc/passwd and /etc, a chain, and a hard
 * link to a file outside). Outside files must be unchanged and nothing may appear outside.
 */
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_DEPTH } from '../../src/core/wasi/filesystem/paths.js';
import { createDirectoryVolume } from '../../src/node/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { escapeExpected, OPS_EXPECTED, OPS_SCRIPT, runGuest } from '../shared/fs-guest-harness.js';

/** Every path under `dir` with what it holds: file content hashes, link targets, directories. */
function snapshot(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, p));
    if (st.isSymbolicLink()) out[p] = `link -> ${readlinkSync(join(dir, p))}`;
    else if (st.isDirectory()) Object.assign(out, { [`${p}/`]: 'dir' }, snapshot(dir, p));
    else out[p] = `file ${createHash('sha256').update(readFileSync(join(dir, p))).digest('hex').slice(0, 16)} mtime ${st.mtimeMs}`;
  }
  return out;
}

const passwd = (): string => createHash('sha256').update(readFileSync('/etc/passwd')).digest('hex');

describe('filesystem guests on host directories', () => {
  it('a C guest writes, reads, lists, renames and deletes files in a host directory (granted as a string)', async () => {
    const top = mkdtempSync(join(tmpdir(), 'isowasm-fs-'));
    try {
      mkdirSync(join(top, 'data'));
      writeFileSync(join(top, 'data', 'seed.txt'), 'seeded by the host');
      const { out, denials } = await runGuest('fs-ops', { args: ['fs-ops', ...OPS_SCRIPT], fs: { preopens: { '/data': join(top, 'data') } } });
      equal(out, OPS_EXPECTED);
      deepEqual(denials, []);
      deepEqual(readdirSync(join(top, 'data')).sort(), ['b-moved.txt', 'big.bin', 'final.txt', 'notes.txt', 'seed.txt', 'sparse']);
      equal(readFileSync(join(top, 'data', 'notes.txt'), 'utf8'), 'first line\nsecond line\n');
      equal(readFileSync(join(top, 'data', 'final.txt'), 'utf8'), 'written last');
      deepEqual([...readFileSync(join(top, 'data', 'sparse'))], [0, 0, 0, 0x78]);
      deepEqual(readdirSync(top), ['data'], 'nothing appeared beside the preopen');
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('a guest walks a 1,000-deep chain in a host directory and stats its bottom by one path, quickly; deeper than MAX_DEPTH is name-too-long (issue 14)', async () => {
    const top = mkdtempSync(join(tmpdir(), 'isowasm-fs-'));
    try {
      const d = (n: number): string[] => Array<string>(n).fill('d');
      mkdirSync(join(top, 'c', ...d(1000)), { recursive: true });
      writeFileSync(join(top, 'c', ...d(1000), 'bottom.txt'), 'deep');
      mkdirSync(join(top, 'e', ...d(MAX_DEPTH)), { recursive: true });
      const run = (...args: string[]) => runGuest('fs-ops', { args: ['fs-ops', ...args], fs: { preopens: { '/data': top } } });
      const t0 = performance.now();
      const stat = await run('chainstat', '/data/c', '1000');
      const t1 = performance.now();
      const walked = await run('chain', '/data/c', '1000');
      const t2 = performance.now();
      equal(stat.out, 'chainstat /data/c 1000: file 4\n');
      equal(walked.out, 'chain /data/c: 1000 file 4\n');
      // a hang guard, not a benchmark: the probe's one stat took 31.8 s, blocking the event loop
      ok(t1 - t0 < 5_000 && t2 - t1 < 10_000, `stat ${Math.round(t1 - t0)} ms, walk down ${Math.round(t2 - t1)} ms`);
      equal((await run('chainmk', '/data/e', String(MAX_DEPTH - 1))).out, `chainmk /data/e ${MAX_DEPTH - 1}: EEXIST\n`);
      equal((await run('chainmk', '/data/e', String(MAX_DEPTH))).out, `chainmk /data/e ${MAX_DEPTH}: ENAMETOOLONG\n`);
      equal((await run('chain', '/data/e', String(MAX_DEPTH))).out, `chain /data/e: ${MAX_DEPTH - 1} ENAMETOOLONG\n`);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('a hostile C guest is refused .., absolute paths, /etc/passwd, planted symbolic and hard links, renames out and the read-only preopen; nothing outside changes', async () => {
    const top = mkdtempSync(join(tmpdir(), 'isowasm-fs-'));
    try {
      mkdirSync(join(top, 'data', 'sub'), { recursive: true });
      mkdirSync(join(top, 'ro'));
      writeFileSync(join(top, 'secret.txt'), 'TOP SECRET\n');
      writeFileSync(join(top, 'secret-hard.txt'), 'HARD SECRET\n');
      writeFileSync(join(top, 'data', 'inside.txt'), 'inside\n');
      writeFileSync(join(top, 'ro', 'existing.txt'), 'existing\n');
      symlinkSync('../secret.txt', join(top, 'data', 'link-out'));
      symlinkSync('/etc/passwd', join(top, 'data', 'link-abs'));
      symlinkSync('/etc', join(top, 'data', 'link-dir'));
      symlinkSync('sub/../link-out', join(top, 'data', 'link-chain'));
      linkSync(join(top, 'secret-hard.txt'), join(top, 'data', 'hard-link'));
      const before = snapshot(top);
      const passwdBefore = passwd();

      const { out, denials } = await runGuest('fs-escape', {
        fs: { preopens: { '/data': { volume: createDirectoryVolume(join(top, 'data')) }, '/ro': { volume: join(top, 'ro'), readOnly: true } } },
      });
      equal(out, escapeExpected(true));
      ok(!out.includes('SECRET') && !out.includes('root:x:'), 'no outside content in the output');
      equal(denials.length, 1, 'the denial is reported once');
      equal(denials[0]!.code, 'CAPABILITY_DENIED');

      // the only change anywhere: the control's own link inside /data
      const after = snapshot(top);
      deepEqual(after, { ...before, 'data/ok-link': 'link -> inside.txt' });
      equal(passwd(), passwdBefore);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
