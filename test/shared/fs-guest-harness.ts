/**
 * What the filesystem guest tests share: running the C guests (test/fixtures/fs-ops and
 * fs-escape) with given grants, their scripts and expected transcripts, and a volume wrapper that
 * plants absolute symbolic links (which only a host, or a user's own volume, can make).
 */
import type { Capabilities, IsowasmError, Volume, VolumePath, VolumeStat } from '../../src/core/index.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';

/** Runs a C guest fixture with `capabilities` (stdout captured); returns its output and the denials reported. */
export async function runGuest(fixture: string, capabilities: Capabilities): Promise<{ out: string; denials: IsowasmError[] }> {
  const { loadComponent } = await platform();
  const component = await loadComponent(await readFixture(fixture));
  const chunks: Uint8Array[] = [];
  const denials: IsowasmError[] = [];
  const { exports } = await component.instantiate({
    capabilities: { ...capabilities, stdio: { stdout: (b) => chunks.push(b.slice()), stderr: (b) => chunks.push(b.slice()) } },
    onCapabilityDenied: (e) => denials.push(e),
  });
  await exports['wasi:cli/run'].run();
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return { out: new TextDecoder().decode(all), denials };
}

/** fs-ops arguments: write, read, list, rename and delete files under /data. */
export const OPS_SCRIPT = [
  'read', '/data/seed.txt',
  'write', '/data/notes.txt', 'first line\n',
  'append', '/data/notes.txt', 'second line\n',
  'read', '/data/notes.txt',
  'mkdir', '/data/dir',
  'write', '/data/dir/a.txt', 'A',
  'write', '/data/dir/b.txt', 'B',
  'symlink', 'a.txt', '/data/dir/link',
  'ls', '/data/dir',
  'read', '/data/dir/link',
  'readlink', '/data/dir/link',
  'mv', '/data/dir/b.txt', '/data/b-moved.txt',
  'stat', '/data/b-moved.txt',
  'rm', '/data/dir/a.txt',
  'rm', '/data/dir/link',
  'rmdir', '/data/dir',
  'pwrite', '/data/sparse', '3', 'xyz',
  'pread', '/data/sparse', '0', '100',
  'truncate', '/data/sparse', '4',
  'stat', '/data/sparse',
  'big', '/data/big.bin', '300000',
  'read', '/data/missing',
  'rmdir', '/data/notes.txt',
  'mkdir', '/data/notes.txt',
  'rm', '/data/nothing',
  'ls', '/data',
  'write', '/data/final.txt', 'written last',
];

export const OPS_EXPECTED = `read /data/seed.txt: seeded by the host
write /data/notes.txt: ok
append /data/notes.txt: ok
read /data/notes.txt: first line
second line

mkdir /data/dir: ok
write /data/dir/a.txt: ok
write /data/dir/b.txt: ok
symlink /data/dir/link: ok
ls /data/dir: a.txt b.txt link@
read /data/dir/link: A
readlink /data/dir/link: a.txt
mv /data/dir/b.txt: ok
stat /data/b-moved.txt: file 1
rm /data/dir/a.txt: ok
rm /data/dir/link: ok
rmdir /data/dir: ok
pwrite /data/sparse: ok
pread /data/sparse: 00 00 00 78 79 7a
truncate /data/sparse: ok
stat /data/sparse: file 4
big /data/big.bin: 300000 bytes match
read /data/missing: ENOENT
rmdir /data/notes.txt: ENOTDIR
mkdir /data/notes.txt: EEXIST
rm /data/nothing: ENOENT
ls /data: b-moved.txt big.bin notes.txt seed.txt sparse
write /data/final.txt: ok
`;

/** fs-escape's transcript: every attempt refused, every control working. */
export function escapeExpected(hardLinkPlanted: boolean): string {
  return `dotdot: REFUSED EPERM
dotdot-deep: REFUSED EPERM
dotdot-many: REFUSED EPERM
dotdot-at: REFUSED EPERM
dotdot-from-sub: REFUSED EPERM
dotdot-above-descriptor: REFUSED EPERM
dotdot-raw: REFUSED EPERM
absolute-at: REFUSED ENOTCAPABLE
etc-passwd: REFUSED ENOTCAPABLE
absolute-raw: REFUSED EPERM
absolute-raw-root: REFUSED EPERM
absolute-raw-stat: REFUSED EPERM
symlink-out: REFUSED EPERM
symlink-abs: REFUSED EPERM
symlink-dir: REFUSED EPERM
symlink-chain: REFUSED EPERM
stat-through-link: REFUSED EPERM
readlink-abs: REFUSED EPERM
hard-link: REFUSED ${hardLinkPlanted ? 'EPERM' : 'ENOENT'}
make-abs-link: REFUSED EPERM
make-escaping-link: REFUSED EPERM
make-escaping-link-deep: REFUSED EPERM
rename-out: REFUSED EPERM
mkdir-out: REFUSED EPERM
create-out: REFUSED EPERM
ro-create: REFUSED EROFS
ro-append: REFUSED EROFS
ro-truncate: REFUSED EROFS
ro-unlink: REFUSED EROFS
ro-mkdir: REFUSED EROFS
ro-rename: REFUSED EROFS
ro-rename-into: REFUSED EROFS
ro-symlink: REFUSED EROFS
control-read: OK inside
control-ro-read: OK existing
control-link: OK inside
control-dotdot-inside: OK inside
`;
}

/**
 * A view of `volume` with extra symbolic links in its root, holding any text (absolute paths
 * included, which our own volumes refuse to store): what a host or a user's own volume may hold.
 */
export function plantLinks(volume: Volume, links: Readonly<Record<string, string>>): Volume {
  const planted = (p: VolumePath): string | undefined => (p.length === 1 ? links[p[0]!] : undefined);
  const overrides: Partial<Volume> = {
    // no walk: the host then walks with lstat, which sees the planted links
    walk: undefined,
    lstat(p): VolumeStat {
      const t = planted(p);
      return t === undefined ? volume.lstat(p) : { type: 'symbolic-link', size: new TextEncoder().encode(t).length, linkCount: 1, id: `planted:${p[0]}` };
    },
    readlink(p): string {
      return planted(p) ?? volume.readlink!(p);
    },
    readdir(p) {
      const own = volume.readdir(p);
      return p.length === 0 ? [...own, ...Object.keys(links).map((name) => ({ name, type: 'symbolic-link' as const }))] : own;
    },
  };
  return new Proxy(volume, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key in overrides) return overrides[key as keyof Volume];
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
