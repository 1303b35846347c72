import { equal, rejects, throws } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

const PAGE = 65536;

async function load() {
  const { loadComponent } = await platform();
  return loadComponent(await readFixture('memory-grow'));
}

describe('limits.memoryBytes', () => {
  it('without it, the memory grows to what the component declares', async () => {
    const { exports } = await (await load()).instantiate();
    equal(exports.pages(), 2);
    equal(exports.grow(100), 2);
    equal(exports.pages(), 102);
    equal(exports.grow(1000), -1);
  });

  it('memory.grow past the limit fails inside the guest, which goes on', async () => {
    const component = await load();
    const { exports } = await component.instantiate({ limits: { memoryBytes: 10 * PAGE } });
    equal(exports.grow(8), 2);
    equal(exports.pages(), 10);
    equal(exports.grow(1), -1, 'the 11th page is refused');
    equal(exports.pages(), 10);
    // the same component, other instances: another limit, and none
    const other = (await component.instantiate({ limits: { memoryBytes: 4 * PAGE + 100 } })).exports;
    equal(other.grow(2), 2);
    equal(other.grow(1), -1, 'rounded down to whole pages');
    equal((await component.instantiate()).exports.grow(500), 2);
  });

  it('a guest that needs more traps as out-of-memory, and other instances are untouched', async () => {
    const component = await load();
    const a = (await component.instantiate({ limits: { memoryBytes: 16 * PAGE } })).exports;
    const b = (await component.instantiate({ limits: { memoryBytes: 16 * PAGE } })).exports;
    throws(() => a.fill(100), { code: 'TRAP' });
    equal(b.fill(14), 16);
  });

  it('a memory that starts larger than the limit fails to instantiate with MEMORY_LIMIT', async () => {
    const component = await load();
    await rejects(component.instantiate({ limits: { memoryBytes: PAGE } }), { code: 'MEMORY_LIMIT', message: /starts with a memory of 128 KiB|memoryBytes/ });
  });

  it('refuses a limit that is not a whole number of bytes', async () => {
    const component = await load();
    for (const bad of [-1, 1.5, '64MiB', NaN]) {
      await rejects(() => component.instantiate({ limits: { memoryBytes: bad as number } }), { name: 'TypeError', message: /memoryBytes/ });
    }
  });
});

describe('limits.tableElements', () => {
  async function table() {
    const { loadComponent } = await platform();
    return loadComponent(await readFixture('table-grow'));
  }

  it('table.grow past the limit fails inside the guest; without it the table grows', async () => {
    const component = await table();
    const capped = (await component.instantiate({ limits: { tableElements: 10 } })).exports;
    equal(capped.grow(8), 2);
    equal(capped.size(), 10);
    equal(capped.grow(1), -1);
    // a table with a lower declared maximum (and an initializer) keeps it
    equal(capped.growU(4), -1);
    equal(capped.growU(3), 2);
    equal((await component.instantiate()).exports.grow(1000), 2);
  });

  it('a table that starts larger than the limit fails to instantiate with MEMORY_LIMIT; a bad value is a TypeError', async () => {
    const component = await table();
    await rejects(component.instantiate({ limits: { tableElements: 1 } }), { code: 'MEMORY_LIMIT', message: /tableElements/ });
    await rejects(() => component.instantiate({ limits: { tableElements: -3 } }), { name: 'TypeError', message: /tableElements/ });
  });
});
