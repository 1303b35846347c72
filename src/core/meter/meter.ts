/**
 * The host's side of metering, one per component instance: it hands the instance's core modules
 * fuel in slices, and stops them (the next checkpoint traps) when the instance's fuel budget is
 * spent or the call's deadline has passed. The clock is read only at refills, every
 * `SLICE` checkpoints, not at every loop iteration.
 */
import { IsowasmError } from '../errors.js';

/** Checkpoints (function entries and loop iterations) between two refills. */
export const SLICE = 10_000;

const now: () => number = typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now();

/** A core instance's fuel global (a `WebAssembly.Global`; typed by shape, as core's types carry no DOM). */
export interface FuelGlobal {
  readonly value: unknown;
}

/** A call has started, its deadline not yet: it is set at the call's first refill. */
const PENDING = -1;

export class Meter {
  /** what was handed out so far */
  #given = 0;
  /** each core instance's fuel global: what it holds is handed out but not spent */
  readonly #globals: FuelGlobal[] = [];
  #deadline = Infinity;
  #active = 0;
  stopped: 'fuel' | 'timeout' | null = null;

  /**
   * @param fuel the instance's whole budget (Infinity: none)
   * @param timeoutMs each call's wall-clock limit (Infinity: none)
   */
  constructor(readonly fuel: number, readonly timeoutMs: number) {}

  /** A core instance's fuel global, once it exists. */
  track(global: FuelGlobal): void {
    this.#globals.push(global);
  }

  /** Called by a guest whose fuel ran out: a new slice, or 0 to stop it (the guest traps). */
  refill(): number {
    if (this.stopped) return 0;
    // the deadline starts at the call's first refill: a short call reads no clock at all, and
    // what runs before it is at most one slice (tens of microseconds)
    if (this.#deadline === PENDING) this.#deadline = now() + this.timeoutMs;
    else if (this.#deadline !== Infinity && now() > this.#deadline) {
      this.stopped = 'timeout';
      return 0;
    }
    const left = this.fuel - this.#given;
    if (left <= 0) {
      this.stopped = 'fuel';
      return 0;
    }
    const n = Math.min(SLICE, left);
    this.#given += n;
    return n;
  }

  /** A call into the instance starts (the outermost one starts the deadline). */
  enter(): void {
    if (this.#active++ === 0 && this.timeoutMs !== Infinity) this.#deadline = PENDING;
  }

  leave(): void {
    if (--this.#active === 0) this.#deadline = Infinity;
  }

  /** What had been handed out when the instance was made (a reset comes back to it). */
  #atStart = 0;

  /** Remembers the state right after instantiation (a resettable instance). */
  mark(): void {
    this.#atStart = this.#given;
  }

  /** Back to the state `mark` saw (the fuel globals are restored with the guest's other globals). */
  rewind(): void {
    this.#given = this.#atStart;
    this.stopped = null;
    this.#active = 0;
    this.#deadline = Infinity;
  }

  /** Fuel spent so far: what was handed out, less what the guests still hold. */
  get consumed(): number {
    let held = 0;
    for (const g of this.#globals) held += Math.max(0, g.value as number);
    return Math.min(this.fuel, this.#given - held);
  }

  /** The error a call that was stopped ends with. */
  error(where: string): IsowasmError {
    return this.stopped === 'timeout'
      ? new IsowasmError('TIMEOUT', `${where} ran longer than limits.timeoutMs (${this.timeoutMs} ms) and was stopped; the instance can't be used again`)
      : new IsowasmError('OUT_OF_FUEL', `${where} spent the instance's limits.fuel (${this.fuel}) and was stopped; the instance can't be used again`);
  }
}
