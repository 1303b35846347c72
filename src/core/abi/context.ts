/**
 * The state the Canonical ABI works with: one instance's flags and handle table, and the
 * lift/lower context of one call (memory, realloc, encoding, borrow scope).
 */
import { AbiTrap, IsowasmError } from '../errors.js';
import { type AbiLimits, BUDGET_CAP, BUDGET_FLOOR, BUDGET_MEMORY_MULTIPLE, defaultBudget, formatBytes } from '../limits.js';
import type { BorrowScope, Handle, HandleTable } from './handles.js';
import type { SuspendedCalls } from './suspended.js';
import type { Meter } from '../meter/meter.js';

export type { BorrowScope };

/** Per component instance state the Canonical ABI reads and writes. */
export interface InstanceState {
  readonly handles: HandleTable;
  /** false while the instance runs realloc or post-return: it may not call out then */
  mayLeave: boolean;
  /** false while a call into the instance is running: it may not be entered again */
  mayEnter: boolean;
  /** the trap that ended this instance, if one did */
  poisoned: unknown;
  /** a short name for messages */
  readonly label: string;
  /** the end of the last queued JSPI call: async calls into one instance run one at a time */
  queue: Promise<void> | null;
  /** true once the instance imports a function that may suspend it (JSPI) */
  suspends: boolean;
  /** the budgets of its calls (instantiate's `limits`) */
  readonly limits: AbiLimits;
  /** the host calls the whole component instance (nesting included) is suspended in, with JSPI */
  readonly suspended: SuspendedCalls | null;
  /** with limits.fuel or limits.timeoutMs: what stops the guest */
  readonly meter: Meter | null;
  /** how many times the instance was reset: resource objects of an earlier epoch are stale */
  epoch: number;
  /**
   * The current task's context slots (`context.get`/`context.set`), made when the component uses
   * them (null otherwise): a task starts with them zero, and each call into the instance is a task.
   */
  context: Int32Array | null;
  /** the instance's backpressure counter (`backpressure.inc`/`dec`/`set`) */
  backpressure: number;
  /**
   * its async tasks, subtasks and waitable sets (made when the component uses async): an
   * `AsyncState` of abi/async.ts, which reads it through `asyncStateOf` (typed there, so that this
   * file stays below it)
   */
  async: object | null;
}

/** A call into the instance starts a task: its context slots start at zero. */
export function startTask(inst: InstanceState): void {
  if (inst.context !== null) inst.context.fill(0);
}

/**
 * The trap of a call out of an instance that may not call out now (it runs realloc or
 * post-return): the one message of every lowered function and built-in that checks `mayLeave`.
 * @example
 * if (!inst.mayLeave) throw cannotLeave('stream.read');
 */
export function cannotLeave(what: string): AbiTrap {
  return new AbiTrap(`${what} was called while the instance may not call out (inside realloc or post-return)`);
}

/** Wrapper objects handed to the host for borrows; they stop working when the call returns. */
export interface CallScratch {
  lenders: Handle[] | null;
  borrowedWrappers: object[] | null;
}

export type Realloc = (oldPtr: number, oldSize: number, align: number, newSize: number) => number;

/** Largest string or list (in bytes) the Canonical ABI lets cross a boundary. */
export const MAX_BYTE_LENGTH = (1 << 28) - 1;

/** Errors thrown by the guest's realloc: they are the guest's fault, whatever their type. */
const reallocFaults = new WeakSet<object>();

/**
 * True when `e`, thrown while lowering a call's arguments, is the guest's doing (its realloc
 * trapped or returned a bad block) rather than the caller's (a getter of an argument threw).
 */
export function isGuestFault(e: unknown): boolean {
  return e instanceof AbiTrap || (typeof e === 'object' && e !== null && reallocFaults.has(e));
}

/**
 * The spec's LiftLowerContext: canonical options of one `canon lift`/`canon lower` plus the
 * instance, with cached views of linear memory (refreshed when `memory.grow` replaced the buffer).
 */
export class Cx {
  readonly memory: WebAssembly.Memory | null;
  readonly realloc: Realloc | null;
  readonly encoding: 'utf8' | 'utf16' | 'latin1+utf16';
  readonly inst: InstanceState;
  /** the function, for messages (an export's is renamed once JS sees it: `nameForCallers`) */
  name: string;
  /** 'lift': the context of an export (`canon lift`); 'lower': of a host import (`canon lower`) */
  readonly side: 'lift' | 'lower';
  /** the borrow scope of the export call in progress (for `lower_borrow`) */
  scope: BorrowScope | null = null;
  /** per-call bookkeeping of an import call (for `lift_borrow`) */
  call: CallScratch | null = null;
  /** handles lowered so far for an export call's arguments, to take back if the caller's values fail */
  lowered: number[] | null = null;
  /** bytes charged to the lifting and lowering budgets so far in this call */
  private liftUsed = 0;
  private lowerUsed = 0;
  /**
   * Below these, a charge needs no further check: the configured limit, or the floor of the
   * default (which depends on the memory's size, read only when a call gets that far; memory
   * never shrinks, so once read it holds for the rest of the call).
   */
  private liftQuick: number;
  private lowerQuick: number;
  private readonly liftBase: number;
  private readonly lowerBase: number;
  private buf: ArrayBuffer | null = null;
  private _dv: DataView | null = null;
  private _u8: Uint8Array | null = null;

  constructor(inst: InstanceState, memory: WebAssembly.Memory | null, realloc: Realloc | null, encoding: Cx['encoding'], name: string, side: Cx['side']) {
    this.inst = inst;
    this.memory = memory;
    this.realloc = realloc;
    this.encoding = encoding;
    this.name = name;
    this.side = side;
    this.liftQuick = this.liftBase = inst.limits.liftBytes ?? BUDGET_FLOOR;
    this.lowerQuick = this.lowerBase = inst.limits.lowerBytes ?? BUDGET_FLOOR;
  }

  /** Starts a call: the budgets are per call. */
  begin(): void {
    this.liftUsed = 0;
    this.lowerUsed = 0;
    this.liftQuick = this.liftBase;
    this.lowerQuick = this.lowerBase;
  }

  /**
   * Charges `bytes` to the call's lifting budget (`limits.liftBytes`). Called before the values
   * they stand for are made, so a guest's aliased lists end here, not in the host's heap.
   */
  lifting(bytes: number): void {
    const used = this.liftUsed + bytes;
    if (used > this.liftQuick) this.checkBudget('liftBytes', used);
    this.liftUsed = used;
  }

  /** Charges `bytes` to the call's lowering budget (`limits.lowerBytes`), before they are written. */
  lowering(bytes: number): void {
    const used = this.lowerUsed + bytes;
    if (used > this.lowerQuick) this.checkBudget('lowerBytes', used);
    this.lowerUsed = used;
  }

  private budget(which: 'liftBytes' | 'lowerBytes'): number {
    return this.inst.limits[which] ?? defaultBudget(this.memory ? this.memory.buffer.byteLength : 0);
  }

  private checkBudget(which: 'liftBytes' | 'lowerBytes', used: number): void {
    const budget = this.budget(which);
    if (used > budget) throw this.overBudget(which);
    if (which === 'liftBytes') this.liftQuick = budget;
    else this.lowerQuick = budget;
  }

  private overBudget(which: 'liftBytes' | 'lowerBytes'): IsowasmError {
    const limit = this.budget(which);
    const lift = which === 'liftBytes';
    const f = this.name;
    const whose = this.side === 'lift'
      ? `the ${lift ? 'results' : 'arguments'} of ${f}()`
      : lift ? `the arguments the guest passed to the host function ${f}` : `what the host function ${f} returned`;
    const dflt = this.inst.limits[which] === null
      ? ` by default: ${BUDGET_MEMORY_MULTIPLE}x the guest's memory, from ${formatBytes(BUDGET_FLOOR)} to ${formatBytes(BUDGET_CAP)}`
      : '';
    return new IsowasmError('MEMORY_LIMIT', `${whose} would take more than ${formatBytes(limit)} to ${lift ? 'lift' : 'lower'}, the call's limit (limits.${which}${dflt})${lift ? '; a guest can point many list entries at one block of its memory' : ''}. If that much is legitimate, raise it: instantiate({ limits: { ${which} } })`, { details: { limit: which, bytes: limit } });
  }

  private refresh(): void {
    if (!this.memory) throw new AbiTrap('this function moves data through linear memory but its canonical options name no memory');
    const b = this.memory.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this._dv = new DataView(b);
      this._u8 = new Uint8Array(b);
    }
  }

  dv(): DataView {
    this.refresh();
    return this._dv!;
  }

  u8(): Uint8Array {
    this.refresh();
    return this._u8!;
  }

  /** Traps unless `[ptr, ptr + len)` lies in memory and `ptr` is aligned. */
  check(ptr: number, len: number, align: number): void {
    if (align > 1 && ptr % align !== 0) throw new AbiTrap(`pointer ${ptr} is not aligned to ${align}`);
    if (ptr + len > this.u8().length) {
      throw new AbiTrap(`pointer ${ptr} with length ${len} is out of bounds of linear memory (${this.u8().length} bytes)`);
    }
  }

  /** Calls the guest's realloc (the spec's `cx.reallocate`) and checks the block it returns. */
  reallocate(oldPtr: number, oldSize: number, align: number, newSize: number): number {
    const realloc = this.realloc;
    if (!realloc) throw new AbiTrap('this function passes a string or list to the guest but its canonical options name no realloc');
    const inst = this.inst;
    inst.mayLeave = false;
    let ptr: number;
    try {
      ptr = realloc(oldPtr, oldSize, align, newSize) >>> 0;
    } catch (e) {
      if (typeof e !== 'object' || e === null) throw new AbiTrap(`realloc threw ${String(e)}`);
      reallocFaults.add(e);
      throw e;
    } finally {
      inst.mayLeave = true;
    }
    this.check(ptr, newSize, align);
    return ptr;
  }

  allocate(align: number, size: number): number {
    return this.reallocate(0, 0, align, size);
  }
}
