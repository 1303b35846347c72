/**
 * The spec's handle tables: per component instance, the own and borrow handles of resources,
 * indexed by the i32 the guest sees. Kept apart from resources.ts (the JS side of resources) so
 * that the call context can name the table without importing the resource machinery.
 */
import { AbiTrap } from '../errors.js';
import type { ResourceType } from './types.js';

/** Scope of the borrowed handles a guest export received: they must be dropped before it returns. */
export interface BorrowScope {
  numBorrows: number;
}

/** An element of an instance's handle table (the spec's ResourceHandle). */
export interface Handle {
  readonly rt: ResourceType;
  /** the representation: an i32 for guest resources, the host's JS object for host resources */
  readonly rep: number | object;
  readonly own: boolean;
  /** the export call a borrowed handle belongs to */
  readonly scope: BorrowScope | null;
  /** how many import calls in progress have borrowed this handle */
  lends: number;
}

const MAX_TABLE_LENGTH = (1 << 28) - 1;

/**
 * The spec's handle table: index 0 is never valid, freed slots are reused most recently freed
 * first (guests built against the spec's table rely on that order).
 */
export class HandleTable {
  private readonly array: (Handle | undefined)[] = [undefined];
  private readonly free: number[] = [];

  get(i: number): Handle {
    const h = this.array[i >>> 0];
    if (h === undefined) throw new AbiTrap(`handle ${i >>> 0} is not valid (never created or already dropped)`);
    return h;
  }

  add(h: Handle): number {
    const i = this.free.pop();
    if (i !== undefined) {
      this.array[i] = h;
      return i;
    }
    if (this.array.length > MAX_TABLE_LENGTH) throw new AbiTrap('the handle table is full');
    return this.array.push(h) - 1;
  }

  remove(i: number): Handle {
    const h = this.get(i);
    this.array[i >>> 0] = undefined;
    this.free.push(i >>> 0);
    return h;
  }

  /** The table as it is now, for `restore` (a resettable instance, right after instantiation). */
  snapshot(): { readonly entries: readonly (Handle | undefined)[]; readonly free: readonly number[] } {
    return { entries: this.array.slice(), free: this.free.slice() };
  }

  /** Puts back what `snapshot` saw: the same handles at the same indices, none lent. */
  restore(s: { readonly entries: readonly (Handle | undefined)[]; readonly free: readonly number[] }): void {
    this.array.length = 0;
    for (const h of s.entries) this.array.push(h === undefined ? undefined : { ...h, lends: 0 });
    this.free.length = 0;
    this.free.push(...s.free);
  }

  /** The live handles (for checks). */
  *live(): IterableIterator<Handle> {
    for (const h of this.array) if (h !== undefined) yield h;
  }

  /** Number of live handles (for leak checks). */
  get size(): number {
    return this.array.length - 1 - this.free.length;
  }
}
