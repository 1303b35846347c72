/**
 * The IndexedDB volume in Chromium: the Volume contract suite, persistence in a fresh volume
 * object, guests whose writes are committed before their call resolves, and a real page reload
 * (an iframe that writes through a guest and is reloaded at once).
 */
import { createIndexedDbVolume, createMemoryVolume } from '../../src/browser/index.js';
import type { Volume } from '../../src/core/index.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';
import { testVolume } from '../shared/volume-suite.js';
import { escapeExpected, OPS_EXPECTED, OPS_SCRIPT, runGuest } from '../shared/fs-guest-harness.js';

let counter = 0;
const freshName = (what: string): string => `test-${what}-${Date.now()}-${counter++}`;
const text = (v: Volume, p: string[]): string => new TextDecoder().decode(v.read(p, 0, 1 << 20));

testVolume('IndexedDB volume', async ({ readOnly, files }) => {
  const name = freshName('suite');
  if (readOnly) {
    // seed through a writable volume, then open the stored tree read-only
    const w = await createIndexedDbVolume(name);
    for (const [p, content] of Object.entries(files ?? {})) {
      const segs = p.split('/');
      for (let i = 1; i < segs.length; i++) if (!w.readdir(segs.slice(0, i - 1)).some((e) => e.name === segs[i - 1])) w.mkdir(segs.slice(0, i));
      w.createFile(segs);
      w.write(segs, 0, new TextEncoder().encode(content));
    }
    await w.flush();
    return { volume: await createIndexedDbVolume(name, { readOnly: true }) };
  }
  return { volume: await createIndexedDbVolume(name), reopen: () => createIndexedDbVolume(name) };
});

describe('createIndexedDbVolume', () => {
  it('is an async volume (its instances run with JSPI) and refuses bad names', async () => {
    const v = await createIndexedDbVolume(freshName('flags'));
    equal(v.async, true);
    equal(v.readOnly, false);
    let threw = false;
    try {
      await createIndexedDbVolume('');
    } catch (e) {
      threw = e instanceof TypeError;
    }
    ok(threw, 'an empty name is a TypeError');
  });

  it('a guest\'s writes are committed before its call resolves, and a fresh volume object reads them', async () => {
    const name = freshName('guest');
    const v = await createIndexedDbVolume(name);
    // seed what the script reads, as the host would
    v.createFile(['seed.txt']);
    v.write(['seed.txt'], 0, new TextEncoder().encode('seeded by the host'));
    const events: string[] = [];
    const watched = new Proxy(v, {
      get(target, key) {
        if (key === 'flush') return async () => { await target.flush(); events.push('committed'); };
        const x = Reflect.get(target, key) as unknown;
        return typeof x === 'function' ? (x as (...a: unknown[]) => unknown).bind(target) : x;
      },
    });
    const { loadComponent } = await import('../../src/index.browser.js');
    const { readFixture } = await import('../harness/fixtures.js');
    const component = await loadComponent(await readFixture('fs-ops'));
    const out: Uint8Array[] = [];
    const { exports } = await component.instantiate({
      capabilities: { args: ['fs-ops', ...OPS_SCRIPT], stdio: { stdout: (b) => out.push(b.slice()), stderr: null }, fs: { preopens: { '/data': { volume: watched } } } },
    });
    const call = exports['wasi:cli/run'].run() as Promise<void>;
    ok(call instanceof Promise, 'the instance is asynchronous');
    await call;
    events.push('call resolved');
    equal(new TextDecoder().decode(new Uint8Array(out.flatMap((c) => [...c]))), OPS_EXPECTED);
    equal(events[events.length - 2], 'committed', `the last flush committed before the call resolved: ${events.join(', ')}`);

    // a fresh object over the same database: what IndexedDB holds, not what memory held
    const again = await createIndexedDbVolume(name);
    deepEqual(again.readdir([]).map((e) => e.name).sort(), ['b-moved.txt', 'big.bin', 'final.txt', 'notes.txt', 'seed.txt', 'sparse']);
    equal(text(again, ['notes.txt']), 'first line\nsecond line\n');
    equal(text(again, ['final.txt']), 'written last');
    equal(again.lstat(['big.bin']).size, 300000);
    // and a second guest instance over it reads what the first wrote
    const second = await runGuest('fs-ops', { args: ['fs-ops', 'read', '/data/notes.txt', 'read', '/data/final.txt'], fs: { preopens: { '/data': { volume: again } } } });
    equal(second.out, 'read /data/notes.txt: first line\nsecond line\n\nread /data/final.txt: written last\n');
  });

  it('writes of a call that ends with an exit (no after-call flush then) are still stored, right after', async () => {
    const name = freshName('exit');
    const v = await createIndexedDbVolume(name);
    const { loadComponent } = await import('../../src/index.browser.js');
    const { readFixture } = await import('../harness/fixtures.js');
    const component = await loadComponent(await readFixture('fs-ops'));
    const { exports } = await component.instantiate({
      // an unknown operation makes fs-ops exit with code 2 after the write
      capabilities: { args: ['fs-ops', 'write', '/data/before-exit.txt', 'kept', 'no-such-op'], stdio: { stdout: null, stderr: null }, fs: { preopens: { '/data': { volume: v } } } },
    });
    let exited = false;
    try {
      await exports['wasi:cli/run'].run();
    } catch (e) {
      exited = (e as { exitCode?: unknown }).exitCode !== undefined;
    }
    ok(exited, 'the guest exited');
    // the volume's own flush (scheduled when it changed) stores it without anyone asking
    await new Promise((r) => setTimeout(r, 100));
    const again = await createIndexedDbVolume(name);
    equal(text(again, ['before-exit.txt']), 'kept');
  });

  it('the hostile guest gets nowhere on IndexedDB and memory volumes in the browser', async () => {
    const data = await createIndexedDbVolume(freshName('escape'));
    data.createFile(['inside.txt']);
    data.write(['inside.txt'], 0, new TextEncoder().encode('inside\n'));
    data.mkdir(['sub']);
    data.symlink!('../secret.txt', ['link-out']);
    data.symlink!('sub/../link-out', ['link-chain']);
    const ro = createMemoryVolume({ 'existing.txt': 'existing\n' });
    const { out } = await runGuest('fs-escape', { fs: { preopens: { '/data': { volume: data }, '/ro': { volume: ro, readOnly: true } } } });
    // no absolute links here (our volumes refuse to store them), so those attempts find nothing
    const expected = escapeExpected(false)
      .replace('symlink-abs: REFUSED EPERM', 'symlink-abs: REFUSED ENOENT')
      .replace('symlink-dir: REFUSED EPERM', 'symlink-dir: REFUSED ENOENT')
      .replace('readlink-abs: REFUSED EPERM', 'readlink-abs: REFUSED ENOENT');
    equal(out, expected);
    deepEqual(data.readdir([]).map((e) => e.name).sort(), ['inside.txt', 'link-chain', 'link-out', 'ok-link', 'sub']);
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
      frame.src = `/test/browser/volume-reload.html#${encodeURIComponent(name)}`;
      document.body.appendChild(frame);
      await until(() => messages.some((m) => m.startsWith('written')));
      equal(messages[0], 'loaded: read /data/note.txt: ENOENT\n');
      // reload the moment the call resolved: nothing may be left to write
      frame.contentWindow!.location.reload();
      await until(() => messages.filter((m) => m.startsWith('loaded')).length === 2);
      equal(messages.filter((m) => m.startsWith('loaded'))[1], 'loaded: read /data/note.txt: written before the reload\n');
    } finally {
      window.removeEventListener('message', onMessage);
      frame.remove();
    }
  });
});
