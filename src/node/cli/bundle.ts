/**
 * `isowasm bundle app.wasm --target workerd [--out DIR]`: writes what workerd (and Cloudflare
 * Workers) need to serve a wasi:http component, since workerd refuses to compile Wasm from bytes
 * at run time: the component's core modules as `.wasm` files (which workerd imports as compiled
 * modules), the component with those modules stripped out (`component.bin`, a Data module), a
 * copy of isowasm's browser build (so nothing is resolved from npm at deploy time), a `worker.js`
 * that loads the component with the compiled modules and answers `fetch` through
 * `createFetchHandler`, a `config.capnp` for `workerd serve`, and a `wrangler.jsonc` for
 * `wrangler deploy`.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripCoreModules } from '../../core/binary/precompiled.js';
import { IsowasmError } from '../../core/errors.js';
import { servesHttp } from '../../core/http/fetch-handler.js';
import { parseComponent } from '../../core/binary/parse-component.js';
import { type CommandLine, UsageError } from './command-line.js';
import { instanceLimits, sizeOf } from './limits.js';
import { readComponentBytes } from '../load.js';
import type { InstanceLimits } from '../../core/limits.js';
import { rewriteModule, variantOf } from '../../core/meter/variant.js';
import { version } from './version.js';

/** How worker.js starts: what tells a bundle isowasm wrote from a directory of the user's. */
const WRITTEN_BY = '// Written by `isowasm bundle';

/** The targets `--target` takes. */
const TARGETS = ['workerd'] as const;

/** A grant option workerd can't honour, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  '--dir': 'workerd has no host directories to preopen',
  '--allow-socket': 'workerd offers no raw TCP/UDP sockets to a guest',
  '--imports': 'the bundle carries no host module of yours; add your imports to the generated worker.js by hand (options.imports)',
};

/** isowasm's own dist/ directory, found from this module (dist/cli.js, or build/src/node/cli/ under tests). */
async function distDir(): Promise<string> {
  for (let up = '../'; up.length <= 5 * 3; up += '../') {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'isowasm') return join(dir, 'dist');
    } catch {
      // not here: one directory up
    }
  }
  throw new Error('isowasm could not find its package.json (the installation is incomplete: reinstall isowasm)');
}

/**
 * The relative module specifiers a built ES module imports: rollup writes each import and
 * re-export as one statement at the start of a line, which keeps examples in comments (import
 * type ... from "./app.wasm.js") out; and the dynamic imports of the chunks loaded on first use.
 */
function relativeImports(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/^(?:import|export)\b[^"';]*?(?:from\s*)?(["'])(\.{1,2}\/[^"']+)\1;?$/gm)) out.add(m[2]!);
  // the chunks the build loads on first use (the linker, say: src/core/lazy.ts) are modules too
  for (const m of code.matchAll(/\bimport\(\s*(["'])(\.{1,2}\/[^"']+)\1\s*\)/g)) out.add(m[2]!);
  return [...out];
}

/**
 * Copies `entry` and every module it imports (relative specifiers) from `from` into `to`;
 * resolves to their paths relative to `to`, for the config's module list.
 */
async function copyClosure(from: string, entry: string, to: string): Promise<string[]> {
  const done = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const rel = queue.shift()!;
    if (done.has(rel)) continue;
    done.add(rel);
    let code: string;
    try {
      code = await readFile(join(from, rel), 'utf8');
    } catch (e) {
      throw new Error(`isowasm bundle: the browser build lacks ${rel} (${(e as Error).message}); run npm run build in isowasm, or reinstall it`);
    }
    await mkdir(dirname(join(to, rel)), { recursive: true });
    // source maps stay behind: they point at sources the bundle does not carry
    await writeFile(join(to, rel), code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    for (const spec of relativeImports(code)) queue.push(join(dirname(rel), spec).replaceAll('\\', '/'));
  }
  return [...done];
}

/** The options baked into worker.js: grants and handler policy. */
interface Baked {
  readonly env: Record<string, string>;
  /** `--env K`: read from the worker's `env` binding (vars and secrets) at the first request */
  readonly envFromBinding: string[];
  readonly config: Record<string, string>;
  readonly allowHttp: string[];
  readonly maxRequestBodyBytes: number | null;
  /** --fuel, --timeout, --max-memory: the modules are rewritten for them here */
  readonly limits: InstanceLimits | null;
}

function bakedFrom(line: CommandLine): Baked {
  for (const [flag, why] of Object.entries(REFUSED)) {
    if (line.options.has(flag)) throw new UsageError(`${flag} can't be bundled for workerd: ${why}`, 'bundle');
  }
  const get = (name: string): readonly string[] => line.options.get(name) ?? [];
  const env: Record<string, string> = {};
  const envFromBinding: string[] = [];
  for (const v of get('--env')) {
    const eq = v.indexOf('=');
    if (eq === 0 || v === '') throw new UsageError(`--env takes K=V or K, not ${JSON.stringify(v)}`, 'bundle');
    if (eq > 0) env[v.slice(0, eq)] = v.slice(eq + 1);
    else envFromBinding.push(v);
  }
  const config: Record<string, string> = {};
  for (const v of get('--config')) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--config takes K=V, not ${JSON.stringify(v)}`, 'bundle');
    config[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const maxRequestBodyBytes = sizeOf(line.options.get('--max-body')?.at(-1), '--max-body', 'bundle') ?? null;
  return { env, envFromBinding, config, allowHttp: [...get('--allow-http')], maxRequestBodyBytes, limits: instanceLimits(line) ?? null };
}

function workerSource(file: string, modules: readonly { key: string; name: string }[], baked: Baked): string {
  const imports = modules.map((m, i) => `import m${i} from "./${m.name}";`).join('\n');
  const table = modules.map((m, i) => `  '${m.key}': m${i},`).join('\n');
  const j = (v: unknown): string => JSON.stringify(v);
  return `${WRITTEN_BY} ${basename(file)} --target workerd\` (isowasm ${version()}): run it again
// rather than editing this file. workerd imports the .wasm files as compiled WebAssembly.Modules
// (it refuses to compile Wasm from bytes), and component.bin (the component with its core modules
// stripped out) as an ArrayBuffer.
import { createFetchHandler, loadComponent } from "./isowasm/index.browser.js";
import component from "./component.bin";
${imports}

const modules = {
${table}
};

let handler = null;

/** The fetch handler, made at the first request (workerd allows no I/O outside a request). */
function handlerFor(env) {
  handler ??= loadComponent(new Uint8Array(component), { modules${baked.limits ? `, rewrittenFor: ${j(baked.limits)}` : ''} }).then((loaded) => createFetchHandler(loaded, {
    capabilities: {
      args: [${j(basename(file))}],
      env: ${baked.envFromBinding.length === 0 ? j(baked.env) : `{ ...${j(baked.env)}, ...Object.fromEntries(${j(baked.envFromBinding)}.filter((k) => typeof env?.[k] === 'string').map((k) => [k, env[k]])) }`},
${Object.keys(baked.config).length ? `      config: ${j(baked.config)},\n` : ''}${baked.allowHttp.length ? `      http: { allow: ${j(baked.allowHttp)} },\n` : ''}    },
${baked.maxRequestBodyBytes !== null ? `    maxRequestBodyBytes: ${baked.maxRequestBodyBytes},\n` : ''}${baked.limits ? `    // the modules were metered/capped for these when the bundle was written\n    limits: ${j(baked.limits)},\n` : ''}    onError: (error, request) => console.error(\`isowasm: \${request.method} \${new URL(request.url).pathname}: \${error.code}: \${error.message}\`),
  }));
  return handler;
}

export default {
  async fetch(request, env) {
    let handle;
    try {
      handle = await handlerFor(env);
    } catch (error) {
      // the next request tries again rather than failing the same way for the worker's lifetime
      handler = null;
      console.error(\`isowasm: the component could not be loaded: \${error?.message ?? error}\`);
      return new Response('Internal Server Error\\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return handle(request);
  },
};
`;
}

/**
 * The config of `workerd serve`. With `outbound`, the worker's fetch reaches public addresses and
 * this machine (workerd's default reaches public ones only): the guest's own allow-list, baked
 * into worker.js, still decides which origins it may call.
 */
function capnpSource(modules: readonly { name: string; kind: 'esModule' | 'wasm' | 'data' }[], address: string, outbound: boolean): string {
  const list = modules.map((m) => `    (name = "${m.name}", ${m.kind} = embed "${m.name}"),`).join('\n');
  const internet = outbound ? '\n    # outgoing HTTP (--allow-http): add "private" to reach other machines of this network\n    (name = "internet", network = (allow = ["public", "local"], tlsOptions = (trustBrowserCas = true))),' : '';
  return `# Written by \`isowasm bundle --target workerd\`: run it with
#   npx workerd serve config.capnp
# (--socket-addr http=HOST:PORT listens elsewhere). Deploy to Cloudflare with wrangler.jsonc.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .isowasmWorker),${internet}
  ],
  sockets = [ (name = "http", address = "${address}", http = (), service = "main") ],
);

const isowasmWorker :Workerd.Worker = (
  modules = [
${list}
  ],
  compatibilityDate = "2025-01-01",${outbound ? '\n  globalOutbound = "internet",' : ''}
);
`;
}

/**
 * Empties `out` when it is a bundle an earlier run wrote (stale modules must not stay behind);
 * refuses any other directory with something in it, so a mistyped --out deletes nothing of yours.
 */
async function clearOut(out: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch {
    return; // not there yet
  }
  if (entries.length === 0) return;
  const worker = await readFile(join(out, 'worker.js'), 'utf8').catch(() => '');
  if (!worker.startsWith(WRITTEN_BY)) {
    throw new UsageError(`--out ${out} is a directory with other things in it (not a bundle isowasm wrote): choose a new directory, or empty it`, 'bundle');
  }
  await rm(out, { recursive: true, force: true });
}

/** Writes the bundle; resolves to the directory, for the message. */
export async function bundle(line: CommandLine): Promise<string> {
  if (line.rest.length > 0) throw new UsageError(`isowasm bundle takes one component file; ${line.rest.join(' ')} ${line.rest.length === 1 ? 'is' : 'are'} extra`, 'bundle');
  const target = line.options.get('--target')?.at(-1);
  if (target === undefined) throw new UsageError(`isowasm bundle needs --target (${TARGETS.join(', ')})`, 'bundle');
  if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`--target ${target} is not one of ${TARGETS.join(', ')} (Deno and Bun need no bundle: they load the .wasm as Node does)`, 'bundle');
  const address = line.options.get('--addr')?.at(-1) ?? '127.0.0.1:8080';
  if (!/^(?:\[[^\]]+\]|[^:]+|\*):\d+$/.test(address)) throw new UsageError(`--addr ${address} is not HOST:PORT (127.0.0.1:8080, *:8080)`, 'bundle');
  const baked = bakedFrom(line);
  const file = line.file;
  const out = resolve(line.options.get('--out')?.at(-1) ?? `${basename(file).replace(/\.wasm$/, '')}.workerd`);

  const bytes = await readComponentBytes(file);
  const model = parseComponent(bytes);
  if (!model.exports.some((e) => servesHttp(e.name))) {
    throw new IsowasmError('LINK_ERROR', `${file} exports no wasi:http/incoming-handler or wasi:http/handler@0.3 (it exports ${model.exports.map((e) => e.name).join(', ') || 'nothing'}), so a worker can't serve requests with it`);
  }
  const stripped = await stripCoreModules(bytes);
  await clearOut(out);
  await mkdir(out, { recursive: true });
  // the limits' rewrite happens here: workerd can't compile, so it can't rewrite either
  const variant = baked.limits ? variantOf(baked.limits) : null;
  const cores = stripped.modules.map((m) => ({
    key: m.key,
    name: `core-${m.key.slice(0, 16)}.wasm`,
    bytes: variant ? rewriteModule(m.bytes, variant, `core module ${m.key.slice(0, 16)} of ${file}`) : m.bytes,
  }));
  await Promise.all(cores.map((m) => writeFile(join(out, m.name), m.bytes)));
  await writeFile(join(out, 'component.bin'), stripped.component);
  const runtime = await copyClosure(await distDir(), 'index.browser.js', join(out, 'isowasm'));
  await writeFile(join(out, 'worker.js'), workerSource(file, cores, baked));
  await writeFile(join(out, 'config.capnp'), capnpSource([
    { name: 'worker.js', kind: 'esModule' },
    ...runtime.map((r) => ({ name: `isowasm/${r}`, kind: 'esModule' as const })),
    { name: 'component.bin', kind: 'data' },
    ...cores.map((m) => ({ name: m.name, kind: 'wasm' as const })),
  ], address, baked.allowHttp.length > 0));
  await writeFile(join(out, 'wrangler.jsonc'), `${JSON.stringify({
    name: basename(file).replace(/\.wasm$/, '').replace(/[^a-z0-9-]/gi, '-').toLowerCase(),
    main: 'worker.js',
    compatibility_date: '2025-01-01',
    // wrangler's default rules import *.wasm as compiled modules and *.bin as ArrayBuffers, as workerd serve does
    rules: [{ type: 'CompiledWasm', globs: ['**/*.wasm'] }, { type: 'Data', globs: ['**/*.bin'] }],
  }, null, 2)}\n`);
  return out;
}
