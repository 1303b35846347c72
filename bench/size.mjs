// Prints what each public entry point costs in an application's bundle: the entry bundled alone
// (tree-shaken, minified, platform imports left external), raw and gzipped. Run after `npm run
// build`: `node bench/size.mjs` (also part of `npm run bench`).
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entries = [
  ['isowasm/core', 'build/src/core/index.js', 'neutral'],
  ['isowasm (browser)', 'build/src/index.browser.js', 'browser'],
  ['isowasm/browser', 'build/src/browser/index.js', 'browser'],
  ['isowasm (node)', 'build/src/index.node.js', 'node'],
];

const rows = [];
for (const [name, file, platform] of entries) {
  const r = await build({
    entryPoints: [file], bundle: true, minify: true, write: false, format: 'esm', platform,
    external: ['node:*', 'idb-keyval', 'comlink', '@bytecodealliance/preview2-shim'], logLevel: 'silent',
  });
  const code = r.outputFiles[0].contents;
  rows.push([name, (code.length / 1024).toFixed(1), (gzipSync(code, { level: 9 }).length / 1024).toFixed(2)]);
}
console.log('| entry | min KB | min+gzip KB |\n|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
