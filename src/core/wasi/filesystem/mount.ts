/**
 * The state the filesystem rooms share: what one preopen shares among its descriptors (`Mount`)
 * and what one descriptor holds (`Open`: its object's path in the volume plus its identity).
 * Types and one token, so that paths, errors and descriptors can all name them without importing
 * each other.
 */
import type { DenialReport } from '../../host/capabilities.js';
import type { Volume, VolumeEntryType } from '../../host/volume.js';

/** Passed to the resource classes' constructors, which the guest and users may not call. */
export const TOKEN = Symbol('isowasm.filesystem');

/** `wasi:filesystem/types#descriptor-flags`. */
export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}

/** What one preopen shares among its descriptors. */
export interface Mount {
  readonly volume: Volume;
  readonly readOnly: boolean;
  readonly guestPath: string;
  readonly report: (d: DenialReport) => void;
}

/** A descriptor's state: where it points, what it was when opened, what it may do. */
export interface Open {
  readonly mount: Mount;
  path: string[];
  readonly id: string;
  readonly type: VolumeEntryType;
  readonly flags: DescriptorFlags;
  ref?: WeakRef<Open>;
}
