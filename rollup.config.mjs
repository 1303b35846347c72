// Bundles tsc's output (build/src) into dist/: one ESM file per public entry point, with shared
// chunks. Types come from tsc's declarations, copied to dist/types by scripts/copy-types.mjs.
// idb-keyval (the IndexedDB volume's store) and comlink (runInWorker's calls) are bundled in: the browser build must load in a plain
// page with no bundler and no import map, and the package then has no runtime dependencies.
import { nodeResolve } from '@rollup/plugin-node-resolve';

// Named chunks, so what an import costs is a few files and what loads on first use is others (a
// CPU profile of `import('isowasm/core')` is nearly all V8 compiling the source it reaches, and
// each file adds its resolution and reading, ~0.4 ms on the machine measured):
// 'core' is the loader every entry imports; 'linker' (the ABI and the linker) and 'rewriter'
// (limits' module rewrites) are loaded by Component.compile / instantiate (src/core/lazy.ts);
// 'types' is what describing a component's types takes (the linker, the declarations' writer
// 'dts' and capabilityNeeds use it); 'host' is the WASI host, its adapters' contracts and the
// HTTP handler, which the platform entries export; 'node' is the Node adapters and loader
// (the modules Node's workers run stay entries of their own). Anything else rollup groups by
// who imports it (the worker bridge, runInWorker's side, Redis: loaded on first use).
const CHUNKS = [
  ['rewriter', /\/core\/meter\/(decode|instrument|table-cap|variant)\.js$|\/core\/reset\/rewrite\.js$|\/core\/rewriter\.js$/],
  ['dts', /\/core\/link\/(dts|ts-names|ts-types|same-shape)\.js$/],
  ['types', /\/core\/abi\/(types|memo)\.js$|\/core\/link\/(type-env|bounds|describe|names)\.js$/],
  // the public entry exports ErrorContext: its module stays with the loader, not the async ABI
  ['core', /\/core\/abi\/error-context\.js$/],
  ['linker', /\/core\/(abi\/|link\/|meter\/meter\.js$|reset\/(names|tracker|swap)\.js$|strategy\.js$|linker\.js$)/],
  ['core', /\/core\/(errors|bytes|limits|lazy|component|load|integrity|index|dispose|weak)\.js$|\/core\/binary\/|\/core\/meter\/(names|variant-key)\.js$/],
  ['host', /\/core\/(host|wasi|http)\/|\/core\/offload\/transfer\.js$/],
  ['node', /\/src\/node\/(builtins|http|key-values|load|platform|redis|run-on-demand|sockets|stdio|types|volumes|wasi|workers)\.js$/],
];

function manualChunks(id) {
  for (const [name, re] of CHUNKS) if (re.test(id)) return name;
  return undefined;
}

export default {
  input: {
    'index.node': 'build/src/index.node.js',
    'index.browser': 'build/src/index.browser.js',
    core: 'build/src/core/index.js',
    node: 'build/src/node/index.js',
    browser: 'build/src/browser/index.js',
    cli: 'build/src/node/cli/main.js',
    // the 'worker' strategy's workers load these modules by their own URL: entries keep it stable
    'worker.node': 'build/src/node/worker.js',
    'worker.browser': 'build/src/browser/worker.js',
    // runInWorker's workers likewise
    'run-worker.node': 'build/src/node/run-in-worker.js',
    'run-worker.browser': 'build/src/browser/run-in-worker.js',
  },
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true, manualChunks },
  // redis: an optional peer dependency of the Node build, loaded when a Redis store is made
  external: (id) => id.startsWith('node:') || id === 'redis',
  plugins: [nodeResolve({ browser: true })],
  onwarn(warning, warn) {
    if (warning.code === 'SOURCEMAP_ERROR') return;
    warn(warning);
  },
};
