/**
 * The IndexedDB key-value store in Chromium: the KeyValueStore contract suite (`reopen` a second
 * store object over the same databases), then what is its own: strictly durable writes that
 * survive a real page reload made the moment the guest's call resolved.
 */
import { createIndexedDbKeyValue } from '../../src/browser/index.js';
import { equal, ok, throws } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { testKeyValue } from '../shared/key-value-suite.js';

let counter = 0;
const freshName = (what: string): string => `test-kv-${what}-${Date.now()}-${counter++}`;

testKeyValue('IndexedDB', async () => {
  const name = freshName('suite');
  const store = createIndexedDbKeyValue(name);
  return { store, reopen: async () => createIndexedDbKeyValue(name), cleanup: () => store.close() };
});

describe('createIndexedDbKeyValue', () => {
  it('is asynchronous and refuses a bad name', async () => {
    const store = createIndexedDbKeyValue(freshName('flags'));
    equal(store.async, true);
    ok((store.open('b')) instanceof Promise);
    await store.close();
    throws(() => createIndexedDbKeyValue(''), { instanceOf: TypeError });
  });

  it('keeps serving a bucket whose database it closed (more than 64 open)', async () => {
    const store = createIndexedDbKeyValue(freshName('many'));
    const first = await store.open('first');
    await first.set('k', new Uint8Array([7]));
    for (let i = 0; i < 70; i++) await store.open(`b${i}`);
    equal((await first.get('k'))?.[0], 7);
    await store.close();
  });

  it('survives a real page reload: an iframe writes through a guest, is reloaded at once, and reads it back', async () => {
    const name = freshName('reload');
    const frame = document.createElement('iframe');
    const messages: string[] = [];
    let wake: (() => void) | null = null;
    const onMessage = (e: MessageEvent): void => {
      if (e.source !== frame.contentWindow) return;
      messages.push(String(e.data));
      wake?.();
    };
    const until = async (pred: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out; messages: ${messages.join(' | ')}`);
        await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
      }
    };
    window.addEventListener('message', onMessage);
    try {
      frame.src = `/test/browser/key-value-reload.html#${encodeURIComponent(name)}`;
      document.body.appendChild(frame);
      await until(() => messages.includes('written'));
      equal(messages[0], 'loaded: (none) 0');
      // reload the moment the call resolved: nothing may be left to write
      frame.contentWindow!.location.reload();
      await until(() => messages.filter((m) => m.startsWith('loaded')).length === 2);
      equal(messages.filter((m) => m.startsWith('loaded'))[1], 'loaded: written before the reload 42');
    } finally {
      window.removeEventListener('message', onMessage);
      frame.remove();
    }
  });
});
