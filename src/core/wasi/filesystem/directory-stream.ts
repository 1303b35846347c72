/** `wasi:filesystem/types#directory-entry-stream`. */
import { symbolDispose } from '../../dispose.js';
import type { VolumeDirEntry, VolumeEntryType } from '../../host/volume.js';
import { TOKEN } from './mount.js';

/**
 * `wasi:filesystem/types#directory-entry-stream`: a snapshot of a directory's entries, taken
 * when the guest asked for it.
 *
 * @example
 * ```ts
 * const entries = dir.readDirectory();
 * for (let e = entries.readDirectoryEntry(); e; e = entries.readDirectoryEntry()) console.log(e.type, e.name);
 * ```
 */
export class DirectoryEntryStream {
  readonly #entries: VolumeDirEntry[];
  #next = 0;
  /** @internal */
  constructor(token: symbol, entries: VolumeDirEntry[]) {
    if (token !== TOKEN) throw new TypeError('DirectoryEntryStream has no public constructor');
    this.#entries = entries;
  }
  readDirectoryEntry(): { type: VolumeEntryType; name: string } | undefined {
    const e = this.#entries[this.#next];
    if (!e) return undefined;
    this.#next++;
    return { type: e.type, name: e.name };
  }
  [symbolDispose](): void {}
}
