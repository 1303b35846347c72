/**
 * The page inside the key-value reload test's iframe: opens the IndexedDB store named by its
 * URL's hash, has the kv guest read a note and a counter and tells the parent; on its first load
 * it then has the guest write both and tells the parent, which reloads the page at once.
 */
import { createIndexedDbKeyValue, loadComponent } from '../../src/index.browser.js';

const name = decodeURIComponent(location.hash.slice(1));
const bytes = new Uint8Array(await (await fetch('/build/fixtures/kv-guest.wasm')).arrayBuffer());
const component = await loadComponent(bytes);
const store = createIndexedDbKeyValue(name);
const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { notes: store } } } });
const api = exports['test:kvguest/api'];

const note = (await api.get('notes', 'note')) as string | undefined;
const count = (await api.increment('notes', 'count', 0n, 1)) as bigint;
parent.postMessage(`loaded: ${note ?? '(none)'} ${count}`, '*');
if (note === undefined) {
  await api.put('notes', 'note', 'written before the reload');
  await api.increment('notes', 'count', 7n, 6);
  parent.postMessage('written', '*');
}
