/**
 * The rules of the house (ARCHITECTURE.md), checked on the sources: which room may import which,
 * no import circles (type-only imports included), src/core free of platform modules, and a
 * header comment saying what each file of the core's lower rooms does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** file (relative to src/, without .ts) -> what it imports: relative ones resolved the same way, bare ones as written */
const graph = new Map<string, { local: string[]; bare: string[] }>();
for (const file of walk(src)) {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const bare: string[] = [];
  // static imports and re-exports (type-only included), and import() types and calls with a literal
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s*'([^']+)'/g)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith('.')) local.push(relative(src, resolve(dirname(file), spec)).replace(/\.js$/, ''));
    else bare.push(spec);
  }
  graph.set(relative(src, file).replace(/\.ts$/, ''), { local, bare });
}

/** The room of a file: `core/<folder>` for the core's folders, `core` for its top-level files, else the top folder. */
function room(f: string): string {
  const parts = f.split('/');
  if (parts[0] === 'core') return parts.length > 2 ? `core/${parts[1]}` : 'core';
  return parts.length > 1 ? parts[0]! : 'entry';
}

/**
 * Which rooms each room may import (its own always). `errors`, `bytes`, `dispose`, `limits` and `weak` are leaves
 * every core room may use; `core/link/names` is a string helper host policy shares.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'core/binary': ['core/errors', 'core/bytes', 'core/dispose', 'core/limits'],
  'core/abi': ['core/errors', 'core/bytes', 'core/dispose', 'core/limits', 'core/weak', 'core/binary', 'core/meter'],
  'core/link': ['core/errors', 'core/bytes', 'core/dispose', 'core/limits', 'core/binary', 'core/abi', 'core/meter', 'core/reset'],
  'core/host': ['core/errors', 'core/bytes', 'core/dispose', 'core/link/names'],
  'core/wasi': ['core/errors', 'core/bytes', 'core/dispose', 'core/host'],
  'core/http': ['core/errors', 'core/bytes', 'core/dispose', 'core/limits', 'core/host', 'core/wasi'],
  'core/offload': ['core/errors', 'core/limits', 'core/host'],
  'core/worker': ['core/errors', 'core/bytes', 'core/dispose', 'core/limits', 'core/weak', 'core/binary', 'core/abi', 'core/link', 'core/meter', 'core/reset'],
  'core/meter': ['core/errors', 'core/binary'],
  'core/reset': ['core/errors', 'core/binary', 'core/meter', 'core/abi'],
  core: ['core'],
  node: ['core', 'node'],
  browser: ['core', 'browser'],
  entry: ['core', 'node', 'browser'],
};

function allowed(from: string, to: string): boolean {
  const r = room(from);
  if (room(to) === r) return true;
  if (r === 'core') return to.startsWith('core/');
  return (ALLOWED[r] ?? []).some((a) => to === a || to.startsWith(`${a}/`) || (a === 'core' && to.startsWith('core/')));
}

describe('architecture', () => {
  it('reads every source file', () => {
    assert.ok(graph.size > 80, `found ${graph.size} files`);
    for (const [f, { local }] of graph) for (const t of local) assert.ok(graph.has(t), `${f} imports ${t}, which is not a source file`);
  });

  it('each room imports only the rooms below it (ARCHITECTURE.md)', () => {
    const wrong: string[] = [];
    for (const [f, { local }] of graph) for (const t of local) if (!allowed(f, t)) wrong.push(`${f} -> ${t}`);
    assert.deepEqual(wrong, []);
  });

  it('src/core imports no platform module: no node:*, idb-keyval, comlink or preview2-shim', () => {
    const wrong: string[] = [];
    for (const [f, { bare }] of graph) if (f.startsWith('core/')) for (const b of bare) wrong.push(`${f} -> ${b}`);
    assert.deepEqual(wrong, []);
  });

  it('src/browser imports no node:* module, src/node no browser-only package (idb-keyval)', () => {
    const wrong: string[] = [];
    for (const [f, { bare }] of graph) {
      for (const b of bare) {
        if (f.startsWith('browser/') && b.startsWith('node:')) wrong.push(`${f} -> ${b}`);
        // comlink serves both (Node through its node adapter); idb-keyval is the browser's
        if (f.startsWith('node/') && /^idb-keyval/.test(b)) wrong.push(`${f} -> ${b}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('no import circles, type-only imports included', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f)?.local ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('every file of binary/, abi/ and link/ opens with a comment saying what it does', () => {
    const bare = [...graph.keys()].filter((f) => /^core\/(binary|abi|link)\//.test(f) && !readFileSync(join(src, `${f}.ts`), 'utf8').trimStart().startsWith('/**'));
    assert.deepEqual(bare, []);
  });
});
