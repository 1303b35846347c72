// Builds the test fixtures from their sources, and jco's transpiled bindings of each (the
// differential reference), into build/fixtures/. Results are cached by content hash in
// test/fixtures/.cache/, so a second run copies instead of rebuilding.
//
//   test/fixtures/<name>.wat             a component in WAT            -> build/fixtures/<name>.wasm
//   test/fixtures/<name>/module.wat      a core module in WAT, with
//   test/fixtures/<name>/world.wit       its WIT world (and an optional fixture.json:
//                                        { "world": "w", "stringEncoding": "utf16" }; "jco": false
//                                        skips the jco reference, for components jco can't
//                                        transpile, e.g. "stringEncoding": "compact-utf16", which
//                                        is latin1+utf16; "witDeps" as for guest.js below, for a
//                                        world naming wasi:*)
//   test/fixtures/<name>/main.c          a C program: clang (Debian's, with wasi-libc) builds a
//                                        wasm32-wasi core module, the WASI preview1 command adapter
//                                        makes it a wasi:cli/run component (an optional world.wit
//                                        beside it declares what main.c imports directly, beyond
//                                        preview1, with world "<name>")
//   test/fixtures/<name>/guest.js        a JavaScript guest with its world.wit (and fixture.json
//                                        { "world": "w", "disable": ["all"] }): `jco componentize`
//                                        (StarlingMonkey, ~20 s and ~12 MB; cached like the rest);
//                                        "witDeps": "0.2.12" puts jco's WASI WIT of that version
//                                        beside world.wit as deps/, for worlds that name wasi:*,
//                                        and "witVersion": "0.2.10" renames it to that 0.2 patch
//   test/fixtures/spec-<x>/<name>.wast  a Component Model specification test script: each of its
//                                        components (test/harness/wast.ts reads the script) is
//                                        encoded by `jco parse` -> build/fixtures/spec-<x>/<name>/<n>.wasm,
//                                        and errors.json: { "<n>": jco's message } for those it can't encode
//                                        (no jco reference: these are run by isowasm only)
//   conformance components listed in CONFORMANCE_REFERENCES below get a jco reference too
//
// Every component also gets build/fixtures/<name>.jco/<name>.js from `jco transpile
// --instantiation async`, which tests load beside isowasm to compare behaviour.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { componentEmbed, componentNew, parse, preview1AdapterCommandPath, transpile } from '@bytecodealliance/jco';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'test/fixtures');
const cache = join(src, '.cache');
const out = join(root, 'build/fixtures');
const BUILDER_VERSION = '1';

/** Conformance components (by name) compared against jco in the differential suites. */
const CONFORMANCE_REFERENCES = ['adder', 'asmjs_bigint', 'numbers', 'strings', 'lists', 'many-arguments', 'records', 'variants', 'flavorful', 'options', 'results',
  // groups 3-5 (a representative subset: the 2 MB Rust components take a while to transpile)
  'resource-borrow-simple', 'resources', 'resource-import-and-export', 'resource_borrow_export', 'resource_aggregates',
  'example_guest_import', 'simple-nested', 'list-adapter-fusion', 'smoke', 'hello_stdout', 'stdio.composed',
  'env-allow.composed', 'utf8-utf16.composed', 'resource_borrow_import', 'resource_with_lists', 'resource_floats',
  'resource_borrow_in_record', 'resource_alias_redux', 'owning', 'rust_xcrate', 'type_section_suffix', 'multi-version',
  'stdout-pollable-hang'];

function hash(...parts) {
  const h = createHash('sha256');
  h.update(BUILDER_VERSION);
  for (const p of parts) h.update(typeof p === 'string' ? p : Buffer.from(p));
  return h.digest('hex').slice(0, 24);
}

async function cached(key, build) {
  const dir = join(cache, key);
  if (!existsSync(join(dir, 'done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await build(dir);
    writeFileSync(join(dir, 'done'), '');
  }
  return dir;
}

async function writeTranspiled(dir, name, bytes) {
  const { files } = await transpile(bytes, {
    name, instantiation: { tag: 'async' }, noTypescript: true, noNodejsCompat: false, validLiftingOptimization: false,
  });
  for (const [file, data] of Object.entries(files)) {
    const p = join(dir, 'jco', file);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
}

async function buildComponent(name, key, make, jco = true) {
  const dir = await cached(key, async (d) => {
    const bytes = await make();
    writeFileSync(join(d, 'component.wasm'), bytes);
    if (jco) await writeTranspiled(d, name, bytes);
  });
  mkdirSync(out, { recursive: true });
  cpSync(join(dir, 'component.wasm'), join(out, `${name}.wasm`));
  rmSync(join(out, `${name}.jco`), { recursive: true, force: true });
  if (jco) cpSync(join(dir, 'jco'), join(out, `${name}.jco`), { recursive: true });
}

/**
 * A directory with `<p>/world.wit` and jco's WASI WIT of version `opts.witDeps` as deps/ (for
 * worlds that name wasi:*); `opts.witVersion` renames it to another 0.2 patch. Removed by the
 * caller once the component is built.
 */
function witWithDeps(entry, p, opts) {
  const witPath = join(cache, `${entry}.wit`);
  rmSync(witPath, { recursive: true, force: true });
  mkdirSync(witPath, { recursive: true });
  cpSync(join(p, 'world.wit'), join(witPath, 'world.wit'));
  // jco ships wasi:http's WIT only as 0.2.12 and StarlingMonkey exports 0.2.10: "witVersion" renames it
  cpSync(fileURLToPath(new URL(`../node_modules/@bytecodealliance/jco/lib/wit/builtin/${opts.witDeps}`, import.meta.url)), join(witPath, 'deps'), { recursive: true });
  if (opts.witVersion) {
    for (const f of readdirSync(join(witPath, 'deps'), { recursive: true })) {
      const file = join(witPath, 'deps', String(f));
      if (!file.endsWith('.wit')) continue;
      // the engine's 0.2.10 world has some of what 0.2.12 marks unstable (sockets' error), and
      // unstable items are left out: keep them all, the merge only needs the engine's to be there
      const text = readFileSync(file, 'utf8').replace(/@unstable\([^)]*\)/g, '');
      writeFileSync(file, text.replace(/(wasi:[a-z-]+(?:\/[a-z-]+)?@)0\.2\.\d+/g, `$1${opts.witVersion}`));
    }
  }
  return witPath;
}

/**
 * Encodes the components of every `.wast` script in test/fixtures/spec-<x>/ with `jco parse`. A
 * component jco can't encode gets its message in errors.json instead: the suite reports it for
 * that script, and the other scripts still run.
 */
async function buildWastScripts() {
  const { readWast } = await import('../build/test/harness/wast.js');
  let built = 0;
  for (const dir of readdirSync(src).filter((d) => d.startsWith('spec-') && statSync(join(src, d)).isDirectory()).sort()) {
    for (const file of readdirSync(join(src, dir)).filter((f) => f.endsWith('.wast')).sort()) {
      const text = readFileSync(join(src, dir, file), 'utf8');
      const key = await cached(hash('wast-v2', text), async (d) => {
        const errors = {};
        for (const c of readWast(text)) {
          if (!('text' in c)) continue;
          try {
            writeFileSync(join(d, `${c.component}.wasm`), await parse(c.text));
          } catch (e) {
            errors[c.component] = String(e?.message ?? e);
          }
        }
        writeFileSync(join(d, 'errors.json'), JSON.stringify(errors, null, 1));
      });
      const target = join(out, dir, file.slice(0, -'.wast'.length));
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      for (const f of readdirSync(key)) if (f !== 'done') cpSync(join(key, f), join(target, f));
      built++;
    }
  }
  return built;
}

async function main() {
  const started = performance.now();
  let count = 0;
  for (const entry of existsSync(src) ? readdirSync(src).sort() : []) {
    if (entry.startsWith('.')) continue;
    const p = join(src, entry);
    if (entry.endsWith('.wat') && statSync(p).isFile()) {
      const name = entry.slice(0, -4);
      const wat = readFileSync(p, 'utf8');
      await buildComponent(name, hash('wat', wat), () => parse(wat));
      count++;
    } else if (statSync(p).isDirectory() && existsSync(join(p, 'module.wat')) && existsSync(join(p, 'world.wit'))) {
      const wat = readFileSync(join(p, 'module.wat'), 'utf8');
      const wit = readFileSync(join(p, 'world.wit'), 'utf8');
      const cfg = existsSync(join(p, 'fixture.json')) ? readFileSync(join(p, 'fixture.json'), 'utf8') : '{}';
      const opts = JSON.parse(cfg);
      await buildComponent(entry, hash('core+wit', wat, wit, cfg), async () => {
        const core = await parse(wat);
        if (!opts.witDeps) {
          const embedded = await componentEmbed({ binary: core, witSource: wit, world: opts.world, stringEncoding: opts.stringEncoding });
          return componentNew(embedded);
        }
        // a world naming wasi:* is embedded from a directory with the WASI WIT beside it, which
        // jco reads through its WASI shim: that shim needs a preopen (this process only runs jco)
        await import('./jco-preopen.mjs');
        const witPath = witWithDeps(entry, p, opts);
        try {
          const embedded = await componentEmbed({ binary: core, witPath, world: opts.world, stringEncoding: opts.stringEncoding });
          return await componentNew(embedded);
        } finally {
          rmSync(witPath, { recursive: true, force: true });
        }
      }, opts.jco !== false);
      count++;
    } else if (statSync(p).isDirectory() && existsSync(join(p, 'guest.js')) && existsSync(join(p, 'world.wit'))) {
      const js = readFileSync(join(p, 'guest.js'));
      const wit = readFileSync(join(p, 'world.wit'));
      const cfg = existsSync(join(p, 'fixture.json')) ? readFileSync(join(p, 'fixture.json'), 'utf8') : '{}';
      const opts = JSON.parse(cfg);
      await buildComponent(entry, hash('js', js, wit, cfg), async () => {
        const tmp = join(cache, `${entry}.tmp.wasm`);
        const jco = fileURLToPath(new URL('../node_modules/@bytecodealliance/jco/dist/jco.js', import.meta.url));
        const witPath = opts.witDeps ? witWithDeps(entry, p, opts) : join(p, 'world.wit');
        const args = ['--import', join(root, 'scripts/jco-preopen.mjs'), jco, 'componentize', join(p, 'guest.js'), '--wit', witPath, '-o', tmp];
        if (opts.world) args.push('--world-name', opts.world);
        if (opts.disable) args.push('--disable', ...opts.disable);
        execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
        const bytes = readFileSync(tmp);
        rmSync(tmp, { force: true });
        if (opts.witDeps) rmSync(witPath, { recursive: true, force: true });
        return bytes;
      }, opts.jco !== false);
      count++;
    } else if (statSync(p).isDirectory() && existsSync(join(p, 'main.c'))) {
      const c = readFileSync(join(p, 'main.c'));
      const wit = existsSync(join(p, 'world.wit')) ? readFileSync(join(p, 'world.wit'), 'utf8') : null;
      const adapter = readFileSync(preview1AdapterCommandPath());
      await buildComponent(entry, hash('c', c, adapter, wit ?? ''), async () => {
        const tmp = join(cache, `${entry}.tmp.wasm`);
        try {
          execFileSync('clang', ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-o', tmp, join(p, 'main.c')], { stdio: 'inherit' });
        } catch (e) {
          throw new Error(`building ${entry}/main.c needs Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32: ${e.message}`);
        }
        const core = readFileSync(tmp);
        rmSync(tmp, { force: true });
        const embedded = wit === null ? core : await componentEmbed({ binary: core, witSource: wit, world: entry });
        return componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
      });
      count++;
    }
  }
  count += await buildWastScripts();
  const { conformancePath } = await import('../build/test/harness/conformance-dir.js');
  for (const name of CONFORMANCE_REFERENCES) {
    const bytes = readFileSync(conformancePath(`components/${name}.wasm`));
    const dir = await cached(hash('conformance', bytes), (d) => writeTranspiled(d, name, bytes));
    const target = join(out, 'conformance', `${name}.jco`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(dir, 'jco'), target, { recursive: true });
  }
  console.log(`fixtures: ${count} built or cached, ${CONFORMANCE_REFERENCES.length} conformance references, in ${Math.round(performance.now() - started)} ms`);
}

await main();
