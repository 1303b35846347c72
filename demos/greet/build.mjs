// Builds the demo component from its WAT source with jco (once; again when the source changes).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Path of demos/greet/build/greet.wasm, built if missing or older than its source. */
export async function buildGreet() {
  const src = `${here}greet.wat`;
  const out = `${here}build/greet.wasm`;
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(`${here}build`, { recursive: true });
    writeFileSync(out, await parse(readFileSync(src, 'utf8')));
  }
  return out;
}
