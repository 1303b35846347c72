// `npm run demo`: builds the demo component from its WAT source (with jco, cached), shows what it
// imports and exports with `isowasm inspect`, then loads it with isowasm and calls it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { parse } from '@bytecodealliance/jco';
import { fileURLToPath } from 'node:url';
import { loadComponent } from '../dist/index.node.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const src = `${here}greet/greet.wat`;
const out = `${here}greet/build/greet.wasm`;
if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
  mkdirSync(`${here}greet/build`, { recursive: true });
  writeFileSync(out, await parse(readFileSync(src, 'utf8')));
}

console.log('$ isowasm inspect demos/greet/build/greet.wasm');
execFileSync(process.execPath, [`${here}../bin/isowasm.js`, 'inspect', out], { stdio: 'inherit' });

const component = await loadComponent(readFileSync(out));
const { exports } = await component.instantiate();
const name = process.argv[2] ?? 'isowasm';
console.log(`\ngreet(${JSON.stringify(name)}) -> ${JSON.stringify(exports.greet(name))}`);
