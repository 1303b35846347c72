/**
 * The metering rewrite over every core module at hand: the conformance corpus (Rust, C, JS,
 * Go-like toolchains' output) and the built fixtures, 12 MB JavaScript guests included. Each
 * rewritten module must validate, and keep its exports (plus the fuel global) and imports (plus
 * the refill function).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instrument, METER_FUEL, METER_MODULE, METER_REFILL } from '../../src/core/meter/instrument.js';
import { corpusCoreModules } from '../harness/conformance-dir.js';

describe('metering every core module of the corpus and the fixtures', () => {
  it('each rewritten module validates and keeps its imports and exports', () => {
    let modules = 0;
    for (const { file, module: m } of corpusCoreModules()) {
      const out = instrument(m.bytes, `core module ${m.id} of ${file}`);
      assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>), `core module ${m.id} of ${file} does not validate once metered`);
      const before = new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>);
      const after = new WebAssembly.Module(out as Uint8Array<ArrayBuffer>);
      assert.deepEqual(WebAssembly.Module.exports(after), [...WebAssembly.Module.exports(before), { name: METER_FUEL, kind: 'global' }]);
      assert.deepEqual(WebAssembly.Module.imports(after), [...WebAssembly.Module.imports(before), { module: METER_MODULE, name: METER_REFILL, kind: 'function' }]);
      modules++;
    }
    assert.ok(modules > 200, `metered ${modules} modules`);
  });
});
