// Prints what each public entry point costs in an application's bundle: the entry bundled alone
// (tree-shaken, minified, platform imports left external) with code splitting, as an
// application's bundler would: "on import" is the entry file and the chunks it imports
// statically (what loading the entry costs), "in all" adds the chunks it loads on first use
// (dynamic imports: the linker when a component is compiled, the module rewriter when limits
// ask for it, the worker side of runInWorker, ...). Sizes are raw and gzipped, each file on its
// own (as it travels). Run after `npm run build`: `node bench/size.mjs` (also part of `npm run bench`).
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entries = [
  ['isowasm/core', 'build/src/core/index.js', 'neutral'],
  ['isowasm (browser)', 'build/src/index.browser.js', 'browser'],
  ['isowasm/browser', 'build/src/browser/index.js', 'browser'],
  ['isowasm (node)', 'build/src/index.node.js', 'node'],
];

const kb = (n) => (n / 1024).toFixed(1);
const gzKb = (n) => (n / 1024).toFixed(2);

const rows = [];
for (const [name, file, platform] of entries) {
  const r = await build({
    entryPoints: [file], bundle: true, splitting: true, outdir: 'out', minify: true, write: false, format: 'esm', platform, metafile: true,
    external: ['node:*', 'idb-keyval', 'comlink', '@bytecodealliance/preview2-shim', 'redis'], logLevel: 'silent',
  });
  const files = new Map(r.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => [f.path.slice(f.path.lastIndexOf('/out/') + 1), f.contents]));
  const outputs = r.metafile.outputs;
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint === file);
  // the entry and what it imports statically, transitively
  const onImport = new Set();
  const visit = (o) => {
    if (onImport.has(o)) return;
    onImport.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  const sum = (names) => {
    let raw = 0;
    let gz = 0;
    for (const n of names) {
      const code = files.get(n);
      raw += code.length;
      gz += gzipSync(code, { level: 9 }).length;
    }
    return [raw, gz];
  };
  const [eRaw, eGz] = sum(onImport);
  const [aRaw, aGz] = sum(files.keys());
  rows.push([name, kb(eRaw), gzKb(eGz), String(onImport.size), kb(aRaw), gzKb(aGz), String(files.size)]);
}
console.log('| entry | on import: min KB | min+gzip KB | files | in all: min KB | min+gzip KB | files |\n|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
