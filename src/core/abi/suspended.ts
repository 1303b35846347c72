/**
 * The host calls one instance is suspended in (JSPI). Ending the instance ends them: each one
 * rejects into the guest as a trap, so the guest's stack unwinds now instead of staying alive
 * until whatever it waited for (an upstream that never answers, a client that never sends)
 * settles, and nothing the host finishes later is written into a dead instance's memory.
 */
import { AbiTrap } from '../errors.js';

export class SuspendedCalls {
  #aborts = new Set<(reason: unknown) => void>();
  #ended: AbiTrap | null = null;

  /** `p`, unless the instance ends first: then a trap. */
  wait<T>(p: PromiseLike<T>): Promise<T> {
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise<T>((resolve, reject) => {
      const abort = (reason: unknown): void => reject(reason);
      this.#aborts.add(abort);
      p.then(
        (v) => { this.#aborts.delete(abort); resolve(v); },
        (e: unknown) => { this.#aborts.delete(abort); reject(e); },
      );
    });
  }

  /** How many host calls are suspended now. */
  get pending(): number {
    return this.#aborts.size;
  }

  /** Whether `endAll` ended the instance. */
  get ended(): boolean {
    return this.#ended !== null;
  }

  /** Ends every suspended call (and every later one) with a trap saying `why`. */
  endAll(why: string): void {
    this.#ended ??= new AbiTrap(why);
    const aborts = [...this.#aborts];
    this.#aborts.clear();
    for (const abort of aborts) abort(this.#ended);
  }
}
