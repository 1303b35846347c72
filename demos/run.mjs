// `npm run demo`: builds the demo component from its WAT source (with jco, cached), shows what it
// imports and exports with `isowasm inspect`, then loads it with isowasm and calls it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadComponent } from '../dist/index.node.js';
import { buildGreet } from './greet/build.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = await buildGreet();

console.log('$ isowasm inspect demos/greet/build/greet.wasm');
execFileSync(process.execPath, [`${here}../bin/isowasm.js`, 'inspect', out], { stdio: 'inherit' });

const component = await loadComponent(out);
const { exports } = await component.instantiate();
const name = process.argv[2] ?? 'isowasm';
console.log(`\ngreet(${JSON.stringify(name)}) -> ${JSON.stringify(exports.greet(name))}`);
