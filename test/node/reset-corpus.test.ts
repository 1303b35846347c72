/**
 * The reset rewrite over every core module at hand: the conformance corpus and the built
 * fixtures, 12 MB JavaScript guests included, alone and after metering. Each rewritten module
 * must validate and keep its imports and exports, adding only the reserved names; the only
 * modules refused are those doing what a reset can't undo.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsowasmError } from '../../src/core/errors.js';
import { instrument } from '../../src/core/meter/instrument.js';
import { RESET_GLOBAL, RESET_MEMORY, RESET_MODULE, RESET_TABLE, RESET_VSIZE, resettableModule } from '../../src/core/reset/rewrite.js';
import { corpusCoreModules } from '../harness/conformance-dir.js';

const RESERVED = [RESET_MEMORY, RESET_VSIZE, RESET_GLOBAL, RESET_TABLE];

describe('the reset rewrite over every core module of the corpus and the fixtures', () => {
  it('each rewritten module validates, keeps its imports and exports and adds only reserved ones; metered ones too', () => {
    let modules = 0;
    const refused: string[] = [];
    for (const { file, module: m } of corpusCoreModules()) {
      const where = `core module ${m.id} of ${file}`;
      let out: Uint8Array;
      try {
        out = resettableModule(m.bytes, where);
      } catch (e) {
        if (!(e instanceof IsowasmError) || e.code !== 'UNSUPPORTED') throw e;
        refused.push(e.message);
        continue;
      }
      assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>), `${where} does not validate once made resettable`);
      const before = new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>);
      const after = new WebAssembly.Module(out as Uint8Array<ArrayBuffer>);
      const exports = WebAssembly.Module.exports(after);
      const kept = WebAssembly.Module.exports(before);
      assert.deepEqual(exports.slice(0, kept.length), kept, where);
      for (const e of exports.slice(kept.length)) assert.ok(RESERVED.some((p) => e.name.startsWith(p)), `${where} exports ${e.name}`);
      const imports = WebAssembly.Module.imports(after);
      const had = WebAssembly.Module.imports(before);
      assert.deepEqual(imports.slice(0, had.length), had, where);
      for (const i of imports.slice(had.length)) assert.equal(i.module, RESET_MODULE, `${where} imports ${i.module}.${i.name}`);
      // limits first, then the reset rewrite: as Component makes its variants
      const both = resettableModule(instrument(m.bytes, where), where);
      assert.ok(WebAssembly.validate(both as Uint8Array<ArrayBuffer>), `${where} does not validate metered and made resettable`);
      modules++;
    }
    assert.ok(modules > 200, `made ${modules} modules resettable`);
    // table-grow.wat is the one fixture that grows a table
    assert.deepEqual(refused.map((r) => /table\.grow/.test(r)), [true], refused.join('\n'));
  });
});
