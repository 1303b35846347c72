/**
 * The platform build of isowasm for the environment the suite runs in: the Node entry under
 * Node, the browser entry in Chromium. Shared suites use it where WASI is involved.
 */
import { isNode } from './test-api.js';

type Entry = Partial<typeof import('../../src/index.node.js')> & Partial<typeof import('../../src/index.browser.js')> & Pick<typeof import('../../src/index.node.js'), 'loadComponent'>;

export async function platform(): Promise<Entry> {
  const path = isNode ? '../../src/index.node.js' : '../../src/index.browser.js';
  return (await import(path)) as Entry;
}

/** The entry's `Platform` value (`nodePlatform` or `browserPlatform`). */
export async function platformValue(): Promise<import('../../src/core/index.js').Platform> {
  const entry = await platform();
  return (entry.browserPlatform ?? entry.nodePlatform)!;
}
