/** Sizes, durations and the limits options (`--max-memory`, `--timeout`) of the commands. */
import type { InstanceLimits } from '../../core/limits.js';
import { type CommandLine, type CommandName, UsageError } from './command-line.js';

const UNITS = ['B', 'KB', 'MB', 'GB'];

/** Bytes from `10MB`, `512KB`, `1048576` (KB = 1024 bytes; MiB, KiB and GiB are read the same). */
export function sizeOf(text: string | undefined, flag: string, command: CommandName): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(text);
  if (!m) throw new UsageError(`${flag} ${text} is not a size (1048576, 512KB, 64MB, 1GB)`, command);
  return Number(m[1]) * 1024 ** UNITS.indexOf((m[2] ?? 'B').toUpperCase().replace('IB', 'B'));
}

/** Milliseconds from `10s`, `500ms`, `2m`, or a bare number of seconds. */
export function durationOf(text: string | undefined, flag: string, command: CommandName): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} ${text} is not a duration (10s, 500ms, 2m)`, command);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
}

/**
 * The instance limits the options give: `--max-memory`, `--fuel`, and for run and call
 * `--timeout` (serve's is the request's deadline, which it passes on itself).
 */
export function instanceLimits(line: CommandLine): InstanceLimits | undefined {
  const memoryBytes = sizeOf(line.options.get('--max-memory')?.at(-1), '--max-memory', line.command);
  const fuelText = line.options.get('--fuel')?.at(-1);
  if (fuelText !== undefined && !/^[1-9]\d*$/.test(fuelText)) throw new UsageError(`--fuel ${fuelText} is not a whole number of at least 1`, line.command);
  const timeoutMs = line.command === 'serve' ? undefined : durationOf(line.options.get('--timeout')?.at(-1), '--timeout', line.command);
  const limits = {
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    ...(fuelText !== undefined ? { fuel: Number(fuelText) } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
  return Object.keys(limits).length > 0 ? limits : undefined;
}
