// Run first by `npm test`: says in one line each what the suites need and this machine lacks,
// instead of a launch error per test file. Exits 1 if anything is missing.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const missing = [];
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  missing.push(`Node 24 or newer for the suites (JSPI), found ${process.version}: run \`npm install\` (it installs the "node" dev dependency, which npm scripts put first on the PATH)`);
}
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  missing.push(`Chromium for the browser suites, not found at ${chromium}: \`apt-get install -y chromium\` (Debian), or set CHROMIUM_PATH to a Chromium or Chrome binary`);
}
const cc = ['clang', '--version'];
try {
  execFileSync(cc[0], cc.slice(1), { stdio: 'ignore' });
} catch {
  missing.push('clang, lld and wasi-libc for the C guest fixtures: `apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32` (Debian)');
}
// the edge suite starts each runtime from its npm package (dev dependencies)
for (const name of ['deno', 'bun', 'workerd']) {
  if (!existsSync(new URL(`../node_modules/.bin/${name}`, import.meta.url))) {
    missing.push(`${name} for the edge-runtime suite, not in node_modules/.bin: run \`npm install\` (a dev dependency; its install script must be allowed)`);
  }
}
try {
  execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
} catch {
  missing.push('redis-server for the Redis key-value suite (the tests start their own on 127.0.0.1): `apt-get install -y redis-server` (Debian)');
}
for (const m of missing) console.error(`npm test: missing ${m}`);
process.exit(missing.length ? 1 : 0);
