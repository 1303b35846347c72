/**
 * C guests against the memory volume, in Node and in Chromium: a guest that writes, reads,
 * lists, renames and deletes files, and a hostile one that tries every way out of its preopens.
 */
import { IsowasmError, type Volume } from '../../src/core/index.js';
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import { MAX_DEPTH } from '../../src/core/wasi/filesystem/paths.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { platform } from '../harness/platform.js';
import { describe, isNode, it } from '../harness/test-api.js';
import { escapeExpected, OPS_EXPECTED, OPS_SCRIPT, plantLinks, runGuest } from './fs-guest-harness.js';

const text = (v: Volume, p: string[]): string => new TextDecoder().decode(v.read(p, 0, 1 << 20));
const tree = (v: Volume, p: string[] = []): string[] => v.readdir(p).flatMap((e) => {
  const here = [...p, e.name];
  return e.type === 'directory' ? [`${here.join('/')}/`, ...tree(v, here)] : [here.join('/')];
}).sort();

describe('filesystem guests on the memory volume', () => {
  it('a C guest writes, reads, lists, renames and deletes files; the host sees exactly what it left', async () => {
    const data = createMemoryVolume({ 'seed.txt': 'seeded by the host' });
    const { out, denials } = await runGuest('fs-ops', { args: ['fs-ops', ...OPS_SCRIPT], fs: { preopens: { '/data': { volume: data } } } });
    equal(out, OPS_EXPECTED);
    deepEqual(denials, []);
    deepEqual(tree(data), ['b-moved.txt', 'big.bin', 'final.txt', 'notes.txt', 'seed.txt', 'sparse']);
    equal(text(data, ['notes.txt']), 'first line\nsecond line\n');
    equal(text(data, ['final.txt']), 'written last');
    equal(data.lstat(['big.bin']).size, 300000);
    deepEqual([...data.read(['sparse'], 0, 10)], [0, 0, 0, 0x78]);
  });

  it('a hostile C guest is refused every way out (.., absolute paths, /etc/passwd, links, renames, the read-only preopen) and leaks nothing', async () => {
    const inner = createMemoryVolume({ 'inside.txt': 'inside\n', 'sub/': null });
    inner.symlink!('../secret.txt', ['link-out']);
    inner.symlink!('sub/../link-out', ['link-chain']);
    // absolute links our own volumes never store, as a user's volume might hold them
    const data = plantLinks(inner, { 'link-abs': '/etc/passwd', 'link-dir': '/etc' });
    const ro = createMemoryVolume({ 'existing.txt': 'existing\n' });
    const before = tree(ro);
    const { out, denials } = await runGuest('fs-escape', { fs: { preopens: { '/data': { volume: data }, '/ro': { volume: ro, readOnly: true } } } });
    equal(out, escapeExpected(false));
    ok(!out.includes('LEAKED'), out);
    // reported once, as a denial of the fs capability
    equal(denials.length, 1);
    equal(denials[0]!.code, 'CAPABILITY_DENIED');
    ok(denials[0]!.message.includes('wasi:filesystem'), denials[0]!.message);
    // nothing was made or changed but the control's own link
    deepEqual(tree(inner), ['inside.txt', 'link-chain', 'link-out', 'ok-link', 'sub/']);
    equal(text(inner, ['inside.txt']), 'inside\n');
    deepEqual(tree(ro), before);
    equal(text(ro, ['existing.txt']), 'existing\n');
  });

  it('grants are per instance: a guest sees only its own preopens', async () => {
    const a = createMemoryVolume({ 'seed.txt': 'A' });
    const b = createMemoryVolume({ 'seed.txt': 'B' });
    const ra = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/seed.txt', 'write', '/data/mine', 'a', 'read', '/other/seed.txt'], fs: { preopens: { '/data': { volume: a } } } });
    const rb = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/seed.txt', 'ls', '/data'], fs: { preopens: { '/data': { volume: b } } } });
    equal(ra.out, 'read /data/seed.txt: A\nwrite /data/mine: ok\nread /other/seed.txt: ENOTCAPABLE\n');
    equal(rb.out, 'read /data/seed.txt: B\nls /data: seed.txt\n');
    const none = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/seed.txt', 'ls', '/'] });
    equal(none.out, 'read /data/seed.txt: ENOTCAPABLE\nls /: ENOTCAPABLE\n', 'no grant: no filesystem at all');
  });

  it('a read-only volume is read-only whatever the grant says', async () => {
    const ro = createMemoryVolume({ 'f': 'x' }, { readOnly: true });
    const { out } = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/f', 'write', '/data/f', 'y', 'mkdir', '/data/d'], fs: { preopens: { '/data': { volume: ro, readOnly: false } } } });
    equal(out, 'read /data/f: x\nwrite /data/f: EROFS\nmkdir /data/d: EROFS\n');
  });

  it('takes the grant form the README shows: a bare volume as a preopen (issue 14)', async () => {
    const data = createMemoryVolume({ 'seed.txt': 'bare' });
    const { out } = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/seed.txt', 'write', '/data/new.txt', 'made'], fs: { preopens: { '/data': data } } });
    equal(out, 'read /data/seed.txt: bare\nwrite /data/new.txt: ok\n');
    equal(text(data, ['new.txt']), 'made');
  });

  it('still takes { volume, readOnly: true }: read, and every change refused', async () => {
    const data = createMemoryVolume({ 'seed.txt': 'guarded' });
    const { out } = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/seed.txt', 'write', '/data/new.txt', 'x', 'rm', '/data/seed.txt'], fs: { preopens: { '/data': { volume: data, readOnly: true } } } });
    equal(out, 'read /data/seed.txt: guarded\nwrite /data/new.txt: EROFS\nrm /data/seed.txt: EROFS\n');
    deepEqual(tree(data), ['seed.txt']);
  });

  it('a guest walks a 1,000-deep chain and stats its bottom by one path, quickly; deeper than MAX_DEPTH is name-too-long (issue 14)', async () => {
    const chain = (n: number): string => Array<string>(n).fill('d').join('/');
    const data = createMemoryVolume({ [`c/${chain(1000)}/bottom.txt`]: 'deep', [`e/${chain(MAX_DEPTH)}/bottom.txt`]: 'too deep' });
    const run = (...args: string[]) => runGuest('fs-ops', { args: ['fs-ops', ...args], fs: { preopens: { '/data': data } } });
    const t0 = performance.now();
    const stat = await run('chainstat', '/data/c', '1000');
    const t1 = performance.now();
    const walked = await run('chain', '/data/c', '1000');
    const t2 = performance.now();
    equal(stat.out, 'chainstat /data/c 1000: file 4\n');
    equal(walked.out, 'chain /data/c: 1000 file 4\n');
    // a hang guard, not a benchmark (the probe's one stat took 31.8 s on a host directory)
    ok(t1 - t0 < 5_000 && t2 - t1 < 10_000, `stat ${Math.round(t1 - t0)} ms, walk down ${Math.round(t2 - t1)} ms`);
    // /data/e is 1 deep: its chain's last directory is MAX_DEPTH + 1 deep, beyond reach
    equal((await run('chainmk', '/data/e', String(MAX_DEPTH - 2))).out, `chainmk /data/e ${MAX_DEPTH - 2}: EEXIST\n`);
    equal((await run('chainmk', '/data/e', String(MAX_DEPTH - 1))).out, `chainmk /data/e ${MAX_DEPTH - 1}: EEXIST\n`);
    equal((await run('chainmk', '/data/e', String(MAX_DEPTH))).out, `chainmk /data/e ${MAX_DEPTH}: ENAMETOOLONG\n`);
    equal((await run('chain', '/data/e', String(MAX_DEPTH))).out, `chain /data/e: ${MAX_DEPTH - 1} ENAMETOOLONG\n`);
  });

  it('a host directory given as a string is served in Node and refused with a clear error in browsers', async () => {
    const { loadComponent } = await platform();
    const { readFixture } = await import('../harness/fixtures.js');
    const component = await loadComponent(await readFixture('fs-ops'));
    if (isNode) {
      // Node: the string is a host directory (the directory volume's own tests are in test/node)
      const e = await rejects(() => component.instantiate({ capabilities: { fs: { preopens: { '/data': '/definitely/not/here' } } } }), { instanceOf: TypeError });
      ok(String((e as Error).message).includes('/definitely/not/here'), String(e));
    } else {
      const e = await rejects(() => component.instantiate({ capabilities: { fs: { preopens: { '/data': './data' } } } }), { instanceOf: IsowasmError, code: 'UNSUPPORTED' });
      ok(String((e as Error).message).includes('createMemoryVolume'), String((e as Error).message));
    }
    await rejects(() => component.instantiate({ capabilities: { fs: { preopens: { '/data': { volume: { not: 'a volume' } as unknown as Volume } } } } }), { instanceOf: TypeError });
  });
});
