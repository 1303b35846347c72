/**
 * What importing an entry of the dist/ bundle loads, read from its static imports: the pieces the
 * first use loads (the linker, the module rewriter, Node's servers, sockets and workers) must
 * stay out of it, or importing isowasm costs their compilation again (bench/fresh.ts measures it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../../dist/', import.meta.url));

/** The files and `node:` modules an entry loads statically (its static imports, transitively). */
function staticGraph(entry: string): { files: Set<string>; builtins: Set<string> } {
  const files = new Set<string>();
  const builtins = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    // rollup writes static imports at the top: `import ... from '...'` and `import '...'`
    for (const m of text.matchAll(/^(?:import|export)\s[^'";]*?from\s*'([^']+)';|^import\s*'([^']+)';/gm)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:')) builtins.add(spec);
      else if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
    }
  };
  visit(join(dist, entry));
  return { files, builtins };
}

const names = (files: Set<string>): string[] => [...files].map((f) => f.slice(dist.length).replace(/-[\w-]{8}\.js$/, ''));

describe('what importing an entry loads (dist/)', () => {
  it('isowasm/core: the loader alone, one chunk; the linker and the rewriter come on first use', () => {
    const { files, builtins } = staticGraph('core.js');
    assert.deepEqual(names(files).sort(), ['chunks/core', 'core.js']);
    assert.deepEqual([...builtins], []);
    const chunk = readFileSync([...files].find((f) => f.includes('chunks/core-'))!, 'utf8');
    assert.match(chunk, /import\('\.\/linker-[\w-]+\.js'\)/);
    assert.match(chunk, /import\('\.\/rewriter-[\w-]+\.js'\)/);
  });

  it("isowasm (node): no linker, rewriter, worker bridge or runInWorker side; no node:http, net, dgram, dns, worker_threads or fs", () => {
    for (const entry of ['index.node.js', 'node.js']) {
      const { files, builtins } = staticGraph(entry);
      const loaded = names(files);
      for (const lazy of ['chunks/linker', 'chunks/rewriter', 'chunks/parent', 'chunks/client', 'chunks/runner', 'worker.node.js', 'run-worker.node.js']) {
        assert.ok(!loaded.includes(lazy), `${entry} loads ${lazy} statically (${loaded.join(', ')})`);
      }
      for (const b of ['node:http', 'node:net', 'node:dgram', 'node:dns/promises', 'node:worker_threads', 'node:fs', 'node:fs/promises']) {
        assert.ok(!builtins.has(b), `${entry} imports ${b} statically`);
      }
    }
  });
});
