/**
 * One test API for the shared suites: `node:test` under Node, mocha's globals in the browser
 * (where @web/test-runner provides them). Suites import `describe`/`it` from here only.
 */

type Fn = () => unknown | Promise<unknown>;
interface Api {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: Fn): void;
  before(fn: Fn): void;
  after(fn: Fn): void;
}

const g = globalThis as unknown as Partial<Api> & { mocha?: unknown };
let api: Api;
if (typeof g.describe === 'function' && typeof g.it === 'function' && g.mocha !== undefined) {
  api = { describe: g.describe, it: g.it, before: g.before!, after: g.after! };
} else {
  // kept out of static analysis so browser bundlers never try to resolve it
  const nodeTest = 'node:test';
  const t = (await import(nodeTest)) as { describe: Api['describe']; it: Api['it']; before: Api['before']; after: Api['after'] };
  api = { describe: t.describe, it: t.it, before: t.before, after: t.after };
}

export const describe = api.describe;
export const it = api.it;
export const before = api.before;
export const after = api.after;

/** True when the suite runs in Node (false in a browser). */
export const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
