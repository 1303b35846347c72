/**
 * The metering rewrite over every core module at hand: the conformance corpus (Rust, C, JS,
 * Go-like toolchains' output) and the built fixtures, 12 MB JavaScript guests included. Each
 * rewritten module must validate, and keep its exports (plus the fuel global) and imports (plus
 * the refill function).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseComponent } from '../../src/core/binary/parse-component.js';
import { instrument, METER_FUEL, METER_MODULE, METER_REFILL } from '../../src/core/meter/instrument.js';
import { conformancePath, wasmFiles } from '../harness/conformance-dir.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('metering every core module of the corpus and the fixtures', () => {
  it('each rewritten module validates and keeps its imports and exports', () => {
    const all = [...wasmFiles(conformancePath('components')), ...wasmFiles(join(root, 'build/fixtures'))];
    let modules = 0;
    for (const file of all) {
      let model;
      try {
        model = parseComponent(readFileSync(file));
      } catch {
        continue; // the hostile fixtures are meant not to parse
      }
      for (const m of model.allModules) {
        const out = instrument(m.bytes, `core module ${m.id} of ${file}`);
        assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>), `core module ${m.id} of ${file} does not validate once metered`);
        const before = new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>);
        const after = new WebAssembly.Module(out as Uint8Array<ArrayBuffer>);
        assert.deepEqual(WebAssembly.Module.exports(after), [...WebAssembly.Module.exports(before), { name: METER_FUEL, kind: 'global' }]);
        assert.deepEqual(WebAssembly.Module.imports(after), [...WebAssembly.Module.imports(before), { module: METER_MODULE, name: METER_REFILL, kind: 'function' }]);
        modules++;
      }
    }
    assert.ok(modules > 200, `metered ${modules} modules`);
  });
});
