/**
 * `wasi:http/types@0.3.0#fields`: the same rules as 0.2's (`FieldStore`: token names compared
 * without case, values without control characters, hop-by-hop names forbidden, a request's or
 * response's own fields immutable), with 0.3's names (`copy-all`, `get-and-delete`) and a size
 * limit reported as `size-exceeded`.
 */
import { FieldStore } from '../../http/fields.js';

/** `wasi:http/types@0.3.0#header-error`, thrown as a `result` error. */
export type HeaderError =
  | { tag: 'invalid-syntax' } | { tag: 'forbidden' } | { tag: 'immutable' } | { tag: 'size-exceeded' }
  | { tag: 'other'; val: string | undefined };

/** The most bytes of names and values one guest-made fields may hold (wasmtime's default limit). */
export const MAX_FIELDS_BYTES = 128 * 1024;

/**
 * `wasi:http/types@0.3.0#fields` (also `headers` and `trailers`). Names are kept in lower case.
 *
 * @example
 * ```ts
 * const h = Fields.fromList([['content-type', new TextEncoder().encode('text/plain')]]);
 * h.getAndDelete('content-type'); // [Uint8Array 'text/plain']
 * h.copyAll(); // []
 * ```
 */
export class Fields extends FieldStore {
  /** Creates fields from a list of pairs; fails on invalid or forbidden names or values, or past the size limit. */
  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new this();
    for (const [name, value] of entries) f.append(name, value);
    return f;
  }

  /** Every pair, in order, names in lower case. */
  copyAll(): [string, Uint8Array][] {
    return this.entryList();
  }

  /** Removes every value of a name, returning them. */
  getAndDelete(name: string): Uint8Array[] {
    const values = this.get(name);
    // delete checks that the fields may change and that the name is valid
    this.delete(name);
    return values;
  }

  protected override maxBytes(): number {
    return MAX_FIELDS_BYTES;
  }

  protected override tooLarge(): HeaderError {
    return { tag: 'size-exceeded' };
  }
}
