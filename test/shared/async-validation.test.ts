/**
 * Validation rules of component-model async that the loader checks on the binary (as the spec's
 * test/async/validate-*.wast scripts do, on text): `stream<char>` is not a valid type, and the
 * `async` canonical option needs an async function type, for `canon lift` and `canon lower`.
 * Each case is written out byte by byte, with its valid twin that must still load.
 */
import { rejects } from '../harness/assert.js';
import { loadComponent } from '../../src/core/index.js';
import { describe, it } from '../harness/test-api.js';
import {
  SECTION, SORT, VAL, aliasCoreExport, answerModule, canonLift, canonLower, component, coreInstantiate,
  externName, funcType, section, u32, vec,
} from './_binary-builder.js';

const ASYNC = [0x06];

/** `funcType`'s async twin: `functype ::= 0x43 params result` (an `async func`). */
function asyncFuncType(params: Parameters<typeof funcType>[0], result: Parameters<typeof funcType>[1]): number[] {
  return [0x43, ...funcType(params, result).slice(1)];
}

/** `(type (stream <elem>))` after the given type definitions. */
function streamTypes(before: number[][], elem: number): Uint8Array {
  return component(section(SECTION.type, vec([...before, [0x66, 0x01, elem]])));
}

/** A core function `f` (returns 42) lifted with `options` as type 0. */
function lifted(type: number[], options: number[][]): Uint8Array {
  return component(
    section(SECTION.coreModule, [...answerModule()]),
    section(SECTION.coreInstance, vec([coreInstantiate(0)])),
    section(SECTION.type, vec([type])),
    section(SECTION.alias, vec([aliasCoreExport(SORT.coreFunc, 0, 'f')])),
    section(SECTION.canon, vec([canonLift(0, 0, options)])),
  );
}

/** An imported function of type 0 lowered with `options`. */
function loweredImport(type: number[], options: number[][]): Uint8Array {
  return component(
    section(SECTION.type, vec([type])),
    section(SECTION.import, vec([[...externName('f'), 0x01, ...u32(0)]])),
    section(SECTION.canon, vec([canonLower(0, options)])),
  );
}

describe('async validation on load', () => {
  it('stream<char> is invalid, written directly or through a type that names char; stream<u8> and stream<string> load', async () => {
    await rejects(loadComponent(streamTypes([], VAL.char)), { code: 'INVALID_BINARY', message: /`stream<char>` is not valid/ });
    // (type $c char) (type (stream $c))
    await rejects(loadComponent(streamTypes([[VAL.char]], 0x00)), { code: 'INVALID_BINARY', message: /`stream<char>` is not valid/ });
    await loadComponent(streamTypes([], VAL.u8));
    await loadComponent(streamTypes([], VAL.string));
    await loadComponent(streamTypes([[VAL.u8]], 0x00));
  });

  it('canon lift async of a function type that is not async is invalid', async () => {
    await rejects(loadComponent(lifted(funcType([], VAL.u32), [ASYNC])), { code: 'INVALID_BINARY', message: /requires an async function type/ });
    // the same lift without `async`, and the async lift of an async type, load
    await loadComponent(lifted(funcType([], VAL.u32), []));
    await loadComponent(lifted(asyncFuncType([], VAL.u32), [ASYNC]));
  });

  it('canon lower async of an imported function whose type is not async is invalid', async () => {
    await rejects(loadComponent(loweredImport(funcType([], null), [ASYNC])), { code: 'INVALID_BINARY', message: /requires an async function type/ });
    await loadComponent(loweredImport(funcType([], null), []));
    await loadComponent(loweredImport(asyncFuncType([], null), [ASYNC]));
  });
});
