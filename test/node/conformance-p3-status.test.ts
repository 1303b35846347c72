/**
 * The whole async and WASI 0.3 corpus (../shared/conformance-p3, 80 components): every one
 * parses and compiles, and instantiating one (with the Node platform's WASI 0.2 host, no other
 * imports) either works or fails cleanly, with MISSING_IMPORTS or UNSUPPORTED naming what is
 * missing, never with an internal error. Which components run is tested per group
 * (test/shared/conformance-p3-*.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadComponent } from '../../src/index.node.js';
import { IsowasmError } from '../../src/core/errors.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';

interface Manifest { components: { file: string; group: string }[] }

describe('conformance-p3: the whole corpus loads, and fails cleanly where it can\'t run yet', () => {
  it('every component parses and compiles; instantiating fails only with MISSING_IMPORTS or UNSUPPORTED', async () => {
    const manifest = JSON.parse(readFileSync(conformanceP3Path('MANIFEST.json'), 'utf8')) as Manifest;
    assert.ok(manifest.components.length >= 80, `${manifest.components.length} components`);
    let instantiated = 0;
    for (const { file } of manifest.components) {
      const component = await loadComponent(readFileSync(conformanceP3Path(file)));
      try {
        await component.instantiate();
        instantiated++;
      } catch (e) {
        assert.ok(e instanceof IsowasmError, `${file}: ${String(e)}`);
        assert.ok(e.code === 'MISSING_IMPORTS' || e.code === 'UNSUPPORTED', `${file}: ${e.code}: ${e.message}`);
      }
    }
    // the ones needing no other imports (sync built-ins, stackless tasks) are instantiated
    assert.ok(instantiated >= 4, `${instantiated} instantiated`);
  });
});
