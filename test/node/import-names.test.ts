/** How an import name finds its host definition: versions, and 0.2 beside 0.3. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findImportKey } from '../../src/core/link/names.js';

describe('findImportKey', () => {
  const host = { 'wasi:cli/stdout': {}, 'wasi:cli/stdout@0.3.0': {}, 'wasi:io/streams@0.2.3': {}, 'wasi:io/streams@0.2.1': {}, myFunc: {} };
  it('takes the exact name first', () => {
    assert.equal(findImportKey(host, 'wasi:cli/stdout@0.3.0'), 'wasi:cli/stdout@0.3.0');
  });
  it('prefers a compatible versioned key to the unversioned one', () => {
    assert.equal(findImportKey(host, 'wasi:cli/stdout@0.3.1'), 'wasi:cli/stdout@0.3.0');
  });
  it('falls back to the unversioned key when no versioned one is compatible', () => {
    assert.equal(findImportKey(host, 'wasi:cli/stdout@0.2.12'), 'wasi:cli/stdout');
  });
  it('takes the highest compatible version', () => {
    assert.equal(findImportKey(host, 'wasi:io/streams@0.2.0'), 'wasi:io/streams@0.2.3');
    assert.equal(findImportKey(host, 'wasi:io/streams@0.3.0'), null);
  });
  it('matches plain names in camelCase', () => {
    assert.equal(findImportKey(host, 'my-func'), 'myFunc');
  });
});
