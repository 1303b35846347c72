/**
 * Browser filesystem volumes: directory trees a guest sees through a preopen. A memory volume
 * lives as long as the page; its tree is preview2-shim's in-memory file data.
 */

/** preview2-shim's in-memory tree: a directory maps names to files (`source`) and directories. */
export interface FileTree {
  dir: Record<string, { source: Uint8Array } | FileTree>;
}

export interface MemoryVolume {
  readonly kind: 'memory';
  readonly root: FileTree;
}

/** Initial contents: path (`a/b.txt`) -> text or bytes. */
export type VolumeFiles = Readonly<Record<string, string | Uint8Array>>;

/**
 * Creates an in-memory volume, optionally with files. Grant it as a preopen:
 * `capabilities: { fs: { preopens: { '/data': volume } } }`.
 *
 * @example
 * ```ts
 * const volume = createMemoryVolume({ 'hello.txt': 'hi' });
 * await component.instantiate({ capabilities: { fs: { preopens: { '/data': volume } } } });
 * readVolumeFile(volume, 'hello.txt'); // Uint8Array
 * ```
 */
export function createMemoryVolume(files: VolumeFiles = {}): MemoryVolume {
  const root: FileTree = { dir: {} };
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) throw new TypeError(`createMemoryVolume(): bad path ${JSON.stringify(path)}`);
    let dir = root;
    for (const p of parts.slice(0, -1)) {
      const next = dir.dir[p] ?? { dir: {} };
      if (!('dir' in next)) throw new TypeError(`createMemoryVolume(): ${p} is a file, not a directory`);
      dir.dir[p] = next;
      dir = next;
    }
    dir.dir[parts[parts.length - 1]!] = { source: typeof content === 'string' ? new TextEncoder().encode(content) : content };
  }
  return { kind: 'memory', root };
}

export function isMemoryVolume(v: unknown): v is MemoryVolume {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'memory' && typeof (v as { root?: unknown }).root === 'object';
}

/** Reads a file of a memory volume (null if there is none at that path). */
export function readVolumeFile(volume: MemoryVolume, path: string): Uint8Array | null {
  let node: FileTree | { source: Uint8Array } = volume.root;
  for (const p of path.split('/').filter((x) => x !== '' && x !== '.')) {
    if (!('dir' in node)) return null;
    const next: FileTree | { source: Uint8Array } | undefined = node.dir[p];
    if (!next) return null;
    node = next;
  }
  return 'source' in node ? node.source : null;
}
