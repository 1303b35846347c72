// Builds the notes API component (demos/notes/build/notes.wasm) from guest.js and world.wit with
// `jco componentize`, the same way scripts/build-fixtures.mjs builds the JavaScript fixtures
// (~20 s, ~12 MB). Rebuilt only when guest.js, world.wit or this file change (a content hash is
// kept beside the output).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');
const out = join(here, 'build');

/** Path of build/notes.wasm, built if missing or out of date. */
export async function buildNotes({ quiet = false } = {}) {
  const sources = ['guest.js', 'world.wit', 'build.mjs'].map((f) => readFileSync(join(here, f)));
  const h = createHash('sha256');
  for (const s of sources) h.update(s);
  const key = h.digest('hex').slice(0, 24);
  const wasm = join(out, 'notes.wasm');
  const stamp = join(out, 'notes.hash');
  if (existsSync(wasm) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return wasm;
  if (!quiet) console.log('building demos/notes/build/notes.wasm with jco componentize (~20 s, once)…');
  mkdirSync(out, { recursive: true });
  // world.wit names wasi:http: put jco's WASI WIT beside it as deps/, renamed to the 0.2 patch
  // StarlingMonkey exports (0.2.10), as build-fixtures does with "witDeps"/"witVersion"
  // per process: two test files may build at once; the result is renamed into place
  const wit = join(out, `wit.${process.pid}`);
  rmSync(wit, { recursive: true, force: true });
  mkdirSync(wit, { recursive: true });
  cpSync(join(here, 'world.wit'), join(wit, 'world.wit'));
  cpSync(join(root, 'node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12'), join(wit, 'deps'), { recursive: true });
  for (const f of readdirSync(join(wit, 'deps'), { recursive: true })) {
    const file = join(wit, 'deps', String(f));
    if (!file.endsWith('.wit')) continue;
    const text = readFileSync(file, 'utf8').replace(/@unstable\([^)]*\)/g, '');
    writeFileSync(file, text.replace(/(wasi:[a-z-]+(?:\/[a-z-]+)?@)0\.2\.\d+/g, '$10.2.10'));
  }
  const jco = join(root, 'node_modules/@bytecodealliance/jco/dist/jco.js');
  const tmp = join(out, `notes.${process.pid}.tmp.wasm`);
  execFileSync(process.execPath, ['--import', join(root, 'scripts/jco-preopen.mjs'), jco, 'componentize', join(here, 'guest.js'),
    '--wit', wit, '--world-name', 'notes', '-o', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(wit, { recursive: true, force: true });
  renameSync(tmp, wasm);
  writeFileSync(stamp, key);
  return wasm;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildNotes());
}
