import { IsowasmError } from '../errors.js';
import type { DenialReport } from './capabilities.js';

/**
 * The error a refused operation is reported with, naming the capability and the grant that
 * would allow it; interfaces that can't report a refusal trap with it.
 */
export function denialError(d: DenialReport): IsowasmError {
  return new IsowasmError(
    'CAPABILITY_DENIED',
    `${d.interface}: ${d.detail}, which this instance's ${String(d.capability)} capability does not allow; to allow it, grant ${d.grant}`,
    { details: d },
  );
}
