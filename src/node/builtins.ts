/**
 * Node's built-in modules that synchronous APIs need, loaded on first use. A CPU profile of
 * importing `isowasm` showed `import ... from 'node:fs'` alone costing milliseconds (its ES
 * module facade reads every export, `fs.promises` and the streams behind it included); a
 * `require` of the same module when first needed costs a fraction of that, and nothing for
 * programs that never need it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let fs: typeof import('node:fs') | null = null;

/** node:fs */
export function nodeFs(): typeof import('node:fs') {
  return (fs ??= require('node:fs') as typeof import('node:fs'));
}

/** A built-in module by name (node:sqlite, node:worker_threads), loaded when first asked for. */
export function nodeBuiltin<T>(name: `node:${string}`): T {
  return require(name) as T;
}
