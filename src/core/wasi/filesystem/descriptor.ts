/**
 * `wasi:filesystem/types#descriptor` (0.2) over volumes: an open file or directory of a preopen.
 * What each method does is in operations.ts (shared with 0.3); here every failure reaches the
 * guest as a thrown error code (errors.ts) and streams are 0.2's `wasi:io` streams.
 */
import { symbolDispose } from '../../dispose.js';
import type { VolumeEntryType } from '../../host/volume.js';
import { InputStream, OutputStream, failed } from '../io.js';
import { DirectoryEntryStream } from './directory-stream.js';
import { codeOf, guarded, streamErrorMessage } from './errors.js';
import { type DescriptorFlags, type Open, TOKEN } from './mount.js';
import { register, unregister } from './open.js';
import * as op from './operations.js';
import { type DescriptorStat, type NewTimestamp, type OpenFlags, type PathFlags, toNumber } from './stat.js';

/** The state of a descriptor of this module (null for anything else); set by `Descriptor`. */
let openOf: (d: unknown) => Open | null;

/**
 * `wasi:filesystem/types#descriptor`: an open file or directory of a preopen. Methods follow
 * jco's conventions: flags are objects of booleans, enums kebab-case strings, and failures are
 * thrown error-code strings (`throw 'no-entry'`).
 *
 * @example
 * ```ts
 * const [[root]] = filesystemNamespaces(preopens, ctx)['wasi:filesystem/preopens'].getDirectories();
 * const file = root.openAt({}, 'notes.txt', { create: true }, { read: true, write: true });
 * file.write(new TextEncoder().encode('hi'), 0n);
 * ```
 */
export class Descriptor {
  readonly #o: Open;

  /** @internal */
  constructor(token: symbol, open: Open) {
    if (token !== TOKEN) throw new TypeError('Descriptor has no public constructor');
    this.#o = open;
    register(open);
  }

  static {
    openOf = (d) => (d instanceof Descriptor ? d.#o : null);
  }

  readViaStream(offset: bigint): InputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      op.checkReadable(o);
      let pos = toNumber(offset, 'offset');
      return new InputStream({
        read: (max) => {
          let bytes: Uint8Array;
          try {
            bytes = op.readAt(o, pos, max);
          } catch (e) {
            throw failed(streamErrorMessage(codeOf(o.mount, e)));
          }
          if (bytes.length === 0 && max > 0) return null;
          pos += bytes.length;
          return bytes;
        },
      });
    });
  }

  /** A stream writing at `pos` (null: at the end, as it is at each write). */
  #writer(pos: number | null): OutputStream {
    const o = this.#o;
    return new OutputStream({
      write: (bytes) => {
        try {
          const end = op.writeAt(o, pos, bytes);
          if (pos !== null) pos = end;
        } catch (e) {
          throw failed(streamErrorMessage(codeOf(o.mount, e)));
        }
      },
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      op.checkWritable(o);
      return this.#writer(toNumber(offset, 'offset'));
    });
  }

  appendViaStream(): OutputStream {
    const o = this.#o;
    return guarded(o.mount, () => {
      op.checkWritable(o);
      return this.#writer(null);
    });
  }

  advise(_offset: bigint, _length: bigint, _advice: string): void {
    return guarded(this.#o.mount, () => op.advise(this.#o));
  }

  syncData(): void {
    this.sync();
  }

  sync(): void {
    return guarded(this.#o.mount, () => op.sync(this.#o));
  }

  getFlags(): DescriptorFlags {
    return guarded(this.#o.mount, () => op.getFlags(this.#o));
  }

  getType(): VolumeEntryType {
    return guarded(this.#o.mount, () => op.getType(this.#o));
  }

  setSize(size: bigint): void {
    return guarded(this.#o.mount, () => op.setSize(this.#o, size));
  }

  setTimes(dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    return guarded(this.#o.mount, () => op.setTimes(this.#o, dataAccessTimestamp, dataModificationTimestamp));
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    return guarded(this.#o.mount, () => op.read(this.#o, length, offset));
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    return guarded(this.#o.mount, () => op.write(this.#o, buffer, offset));
  }

  readDirectory(): DirectoryEntryStream {
    return guarded(this.#o.mount, () => new DirectoryEntryStream(TOKEN, op.readDirectory(this.#o)));
  }

  createDirectoryAt(path: string): void {
    return guarded(this.#o.mount, () => op.createDirectoryAt(this.#o, path));
  }

  stat(): DescriptorStat {
    return guarded(this.#o.mount, () => op.stat(this.#o));
  }

  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    return guarded(this.#o.mount, () => op.statAt(this.#o, pathFlags, path));
  }

  setTimesAt(pathFlags: PathFlags, path: string, dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    return guarded(this.#o.mount, () => op.setTimesAt(this.#o, pathFlags, path, dataAccessTimestamp, dataModificationTimestamp));
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    return guarded(this.#o.mount, () => op.linkAt(this.#o, oldPathFlags, oldPath, openOf(newDescriptor), newPath));
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    return guarded(this.#o.mount, () => new Descriptor(TOKEN, op.openAt(this.#o, pathFlags, path, openFlags, flags)));
  }

  readlinkAt(path: string): string {
    return guarded(this.#o.mount, () => op.readlinkAt(this.#o, path));
  }

  removeDirectoryAt(path: string): void {
    return guarded(this.#o.mount, () => op.removeDirectoryAt(this.#o, path));
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    return guarded(this.#o.mount, () => op.renameAt(this.#o, oldPath, openOf(newDescriptor), newPath));
  }

  symlinkAt(oldPath: string, newPath: string): void {
    return guarded(this.#o.mount, () => op.symlinkAt(this.#o, oldPath, newPath));
  }

  unlinkFileAt(path: string): void {
    return guarded(this.#o.mount, () => op.unlinkFileAt(this.#o, path));
  }

  isSameObject(other: Descriptor): boolean {
    return op.isSameObject(this.#o, openOf(other));
  }

  metadataHash(): { lower: bigint; upper: bigint } {
    return guarded(this.#o.mount, () => op.metadataHashOf(this.#o));
  }

  metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
    return guarded(this.#o.mount, () => op.metadataHashAt(this.#o, pathFlags, path));
  }

  [symbolDispose](): void {
    unregister(this.#o);
  }
}

/** A new descriptor for `open` (the preopens' roots, and what `openAt` opens). */
export function newDescriptor(open: Open): Descriptor {
  return new Descriptor(TOKEN, open);
}
