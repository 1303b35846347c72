/**
 * The page inside the reload test's iframe: opens the IndexedDB volume named by its URL's hash,
 * has a guest read /data/note.txt and tells the parent what it read; on its first load it then
 * has a guest write the note and tells the parent, which reloads the page at once.
 */
import { createIndexedDbVolume, loadComponent } from '../../src/index.browser.js';

const name = decodeURIComponent(location.hash.slice(1));
const bytes = new Uint8Array(await (await fetch('/build/fixtures/fs-ops.wasm')).arrayBuffer());
const component = await loadComponent(bytes);
const volume = await createIndexedDbVolume(name);

async function run(args: string[]): Promise<string> {
  const out: Uint8Array[] = [];
  const { exports } = await component.instantiate({
    capabilities: { args: ['fs-ops', ...args], stdio: { stdout: (b) => out.push(b.slice()), stderr: null }, fs: { preopens: { '/data': { volume } } } },
  });
  await exports['wasi:cli/run'].run();
  return new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c])));
}

const read = await run(['read', '/data/note.txt']);
parent.postMessage(`loaded: ${read}`, '*');
if (read.includes('ENOENT')) {
  const wrote = await run(['write', '/data/note.txt', 'written before the reload']);
  parent.postMessage(`written: ${wrote}`, '*');
}
