/**
 * How `wasi:filesystem` failures reach the guest: every failure becomes one of the interface's
 * error codes (a thrown string, jco's convention), host errors never leak their text, and
 * refusals that keep the guest confined are reported as denials.
 */
import { type FilesystemErrorCode, isFilesystemErrorCode, VolumeError } from '../../host/volume.js';
import { IoError } from '../io.js';
import type { Mount } from './mount.js';

export const IO_ERROR_PREFIX = 'wasi:filesystem error ';

/** The code a stream error carries (see `filesystemErrorCode`). */
export function streamErrorMessage(code: FilesystemErrorCode): string {
  return `${IO_ERROR_PREFIX}${code}`;
}

export function report(m: Mount, detail: string, grant: string): void {
  m.report({ capability: 'fs', interface: 'wasi:filesystem/types', detail, grant });
}

/** Refuses something that would leave the preopen, reporting it. */
export function escape(m: Mount, detail: string): never {
  report(m, detail, `a preopen that contains what the guest needs: capabilities.fs = { preopens: { "<guest path>": volume } } (the guest asked outside ${m.guestPath})`);
  throw 'not-permitted';
}

export function readOnly(m: Mount, what: string): never {
  report(m, `the guest tried to ${what} in the read-only preopen ${m.guestPath}`, `a writable preopen: { volume, readOnly: false }`);
  throw 'read-only';
}

/** Turns anything thrown while serving a call into the error code the guest receives. */
export function codeOf(m: Mount, e: unknown): FilesystemErrorCode {
  if (typeof e === 'string' && isFilesystemErrorCode(e)) return e;
  if (e instanceof VolumeError) {
    if (e.confinement) report(m, e.message, `a preopen that contains what the guest needs (the volume refused: ${e.message})`);
    return e.code;
  }
  // a failure the volume did not describe: never hand a host error (or its message) to the guest
  return 'io';
}

export function fail(m: Mount, e: unknown): never {
  throw codeOf(m, e);
}

/** Serves one descriptor call: whatever `fn` throws reaches the guest as an error code. */
export function guarded<T>(m: Mount, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    fail(m, e);
  }
}

/** A guest path as messages quote it, cut short. */
export function clip(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/**
 * `wasi:filesystem/types#filesystem-error-code`: the error code behind a stream error raised by
 * a file stream, or undefined for other stream errors.
 *
 * @example
 * ```ts
 * try { stream.write(bytes); } catch (e) { if (e.tag === 'last-operation-failed') filesystemErrorCode(e.val); } // e.g. 'bad-descriptor'
 * ```
 */
export function filesystemErrorCode(err: unknown): FilesystemErrorCode | undefined {
  if (!(err instanceof IoError)) return undefined;
  const m = err.message;
  if (!m.startsWith(IO_ERROR_PREFIX)) return undefined;
  const code = m.slice(IO_ERROR_PREFIX.length);
  return isFilesystemErrorCode(code) ? code : undefined;
}
