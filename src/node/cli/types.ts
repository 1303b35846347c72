/** `isowasm types`: writes a component's `.d.ts` (its `Exports` and `Imports`), like `jco types`. */
import { writeComponentTypes } from '../types.js';
import { type CommandLine, UsageError } from './command-line.js';

/** Writes the declarations and returns the path written. */
export async function types(line: CommandLine): Promise<string> {
  if (line.rest.length > 0) throw new UsageError(`isowasm types takes one component file; ${line.rest.join(' ')} ${line.rest.length === 1 ? 'is' : 'are'} extra`, 'types');
  const dirs = line.options.get('-o') ?? [];
  if (dirs.length > 1) throw new UsageError('isowasm types takes one -o DIR', 'types');
  return writeComponentTypes(line.file, dirs[0]);
}
