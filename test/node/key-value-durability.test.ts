/**
 * Nothing lost, and a backend going away is a clear error (issue 10, item 6), with real processes:
 * Redis counters shared by two Node processes each with its own guest instances; a SQLite write
 * on disk the moment a guest's call returned in a process then SIGKILLed; acknowledged writes of
 * a Redis with AOF (`appendfsync always`) kept across a SIGKILL of the server; Redis killed or
 * paused while a guest runs (the guest gets `error::other` in bounded time, the host stays up, the
 * same instance works again once the server is back). Every redis-server and child process
 * started here is stopped in `after`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryKeyValue, createRedisKeyValue, createSqliteKeyValue, loadComponent } from '../../src/index.node.js';
import { deepEqual, equal, ok } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { after, describe, it } from '../harness/test-api.js';
import { startRedis, stopAllRedis } from './redis-test-server.js';

const entry = fileURLToPath(new URL('../../src/index.node.js', import.meta.url));
const guestWasm = fileURLToPath(new URL('../../fixtures/kv-guest.wasm', import.meta.url));
const children = new Set<ChildProcess>();
const dirs: string[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stopAllRedis();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs an ES module script in a child Node with `args`; `onLine` sees each line of its stdout. */
function child(script: string, args: readonly string[], onLine: (line: string, p: ChildProcess) => void = () => {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> {
  const p = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  let err = '';
  let rest = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  p.stdout!.setEncoding('utf8').on('data', (d: string) => {
    rest += d;
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const l of lines) onLine(l, p);
  });
  return new Promise((done) => p.on('close', (code, signal) => {
    children.delete(p);
    done({ code, signal, err });
  }));
}

/** The guest's error string (`result<_, string>` of kv-guest), or a failure when the call did not fail. */
async function guestError(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    const p = (e as { payload?: unknown }).payload;
    ok(typeof p === 'string', `the call failed with the interface's error, not ${String(e)}`);
    return p as string;
  }
  throw new Error('the call did not fail');
}

const ms = (since: number): number => Math.round(performance.now() - since);

describe('nothing lost', () => {
  it('Redis: two Node processes x 5 guest instances x 20 increments give exactly 200', async () => {
    const redis = await startRedis();
    const prefix = `two${Date.now()}:`;
    const script = `import { readFileSync } from 'node:fs';
      import { loadComponent, createRedisKeyValue } from ${JSON.stringify(entry)};
      const [url, prefix, wasm] = process.argv.slice(1);
      const component = await loadComponent(readFileSync(wasm));
      const store = createRedisKeyValue({ url, prefix });
      const instances = await Promise.all(Array.from({ length: 5 }, () => component.instantiate({ capabilities: { kv: { buckets: { race: store } } } })));
      await Promise.all(instances.map(async ({ exports }) => {
        for (let i = 0; i < 20; i++) await exports['test:kvguest/api'].increment('race', 'hits', 1n, 1);
      }));
      await store.close();
      console.log('done');`;
    const runs = await Promise.all([0, 1].map(() => child(script, [redis.url, prefix, guestWasm])));
    deepEqual(runs.map((r) => r.code), [0, 0], runs.map((r) => r.err).join('\n'));
    const store = createRedisKeyValue({ url: redis.url, prefix });
    try {
      equal(await (await store.open('race')).increment('hits', 0n), 200n);
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('SQLite: a process SIGKILLed right after a guest\'s write call returned has the write on reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isowasm-kill-'));
    dirs.push(dir);
    const file = join(dir, 'kv.sqlite');
    // the child writes on and on, saying so after each call returned; it is killed at the first word
    const script = `import { readFileSync } from 'node:fs';
      import { loadComponent } from ${JSON.stringify(entry)};
      const [file, wasm] = process.argv.slice(1);
      const { exports } = await (await loadComponent(readFileSync(wasm))).instantiate({ capabilities: { kv: { buckets: { '*': file } } } });
      const api = exports['test:kvguest/api'];
      for (let i = 0; ; i++) {
        api.put('notes', 'k' + i, 'value ' + i);
        api.increment('notes', 'count', 1n, 1);
        process.stdout.write('written ' + i + '\\n');
      }`;
    let last = -1;
    const run = await child(script, [file, guestWasm], (line, p) => {
      const m = /^written (\d+)$/.exec(line);
      if (!m) return;
      last = Math.max(last, Number(m[1]));
      p.kill('SIGKILL');
    });
    equal(run.signal, 'SIGKILL', run.err);
    ok(last >= 0, 'the child wrote');
    const store = createSqliteKeyValue(file);
    try {
      const notes = store.open('notes');
      for (let i = 0; i <= last; i++) equal(new TextDecoder().decode(notes.get(`k${i}`)), `value ${i}`);
      // what was reported is there; a write the kill cut short may be there too, or not
      ok(notes.increment('count', 0n) >= BigInt(last + 1), 'the counter has every reported increment');
    } finally {
      store.close();
    }
  });

  it('Redis with AOF (appendfsync always): acknowledged writes survive a SIGKILL of the server', async () => {
    const redis = await startRedis(['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    const component = await loadComponent(await readFixture('kv-guest'));
    const store = createRedisKeyValue({ url: redis.url, onError: () => {} });
    const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { aof: store } } } });
    const api = exports['test:kvguest/api'];
    try {
      for (let i = 0; i < 30; i++) await api.put('aof', `k${i}`, `v${i}`);
      equal(await api.increment('aof', 'n', 1n, 30), 30n);
      await api.putMany('aof', [['a', '1'], ['b', '2']]);
      await redis.kill('SIGKILL');
      await redis.start();
      const again = createRedisKeyValue({ url: redis.url });
      try {
        const b = await again.open('aof');
        const values = await b.getMany(Array.from({ length: 30 }, (_, i) => `k${i}`));
        deepEqual(values.map((v) => v && new TextDecoder().decode(v)), Array.from({ length: 30 }, (_, i) => `v${i}`));
        equal(await b.increment('n', 0n), 30n);
        deepEqual((await b.getMany(['a', 'b'])).map((v) => v && new TextDecoder().decode(v)), ['1', '2']);
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
      await redis.stop();
    }
  });
});

describe('a backend that is down, or goes down mid-run', () => {
  it('Redis killed under a running guest: error::other in bounded time, the host keeps working, the same instance works once the server is back', async () => {
    const redis = await startRedis();
    const component = await loadComponent(await readFixture('kv-guest'));
    const warnings: unknown[] = [];
    const store = createRedisKeyValue({ url: redis.url, onError: (e) => warnings.push(e) });
    const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { live: store } } } });
    const api = exports['test:kvguest/api'];
    try {
      equal(await api.increment('live', 'n', 1n, 10), 10n);
      // one guest call doing many increments, the server killed under it
      let t = performance.now();
      const running = guestError(() => api.increment('live', 'n', 1n, 1_000_000));
      await new Promise((r) => setTimeout(r, 100));
      await redis.kill('SIGKILL');
      const midRun = await running;
      ok(midRun.startsWith('other: ') && /Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer/.test(midRun), midRun);
      ok(ms(t) < 5000, `the call failed within ${ms(t)} ms of the kill`);
      // while it is down: every call fails at once with the same kind of error
      t = performance.now();
      const down = await guestError(() => api.get('live', 'n'));
      ok(down.startsWith('other: ') && down.includes('Redis'), down);
      ok(ms(t) < 5000, `a call while down took ${ms(t)} ms`);
      // the host is fine: other instances, other stores
      const other = await component.instantiate({ capabilities: { kv: { buckets: { mem: createMemoryKeyValue() } } } });
      equal(await other.exports['test:kvguest/api'].increment('mem', 'x', 2n, 2), 4n);
      // down long enough for the client to give up reconnecting (a new client is made on the next call)
      await new Promise((r) => setTimeout(r, 2500));
      ok((await guestError(() => api.get('live', 'n'))).startsWith('other: '));
      await redis.start();
      // back (no AOF: empty again); the guest's open bucket works again within a few calls
      t = performance.now();
      for (;;) {
        try {
          await api.put('live', 'after', 'yes');
          break;
        } catch (e) {
          ok(String((e as { payload?: unknown }).payload).startsWith('other: '), String(e));
          ok(ms(t) < 5000, `not reconnected ${ms(t)} ms after the server came back`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      equal(await api.get('live', 'after'), 'yes');
      equal(await api.increment('live', 'n', 1n, 3), 3n);
      ok(warnings.length > 0, 'connection errors reached onError');
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('Redis back before the client gave up: the same instance reconnects', async () => {
    const redis = await startRedis();
    const component = await loadComponent(await readFixture('kv-guest'));
    const store = createRedisKeyValue({ url: redis.url, onError: () => {} });
    const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { quick: store } } } });
    const api = exports['test:kvguest/api'];
    try {
      await api.put('quick', 'a', '1');
      await redis.kill('SIGKILL');
      ok((await guestError(() => api.get('quick', 'a'))).startsWith('other: '));
      await redis.start();
      const t = performance.now();
      for (;;) {
        try {
          await api.put('quick', 'b', '2');
          break;
        } catch {
          ok(ms(t) < 5000, `not reconnected ${ms(t)} ms after the server came back`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      equal(await api.get('quick', 'b'), '2');
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('Redis paused (SIGSTOP): a call fails after commandTimeoutMs instead of hanging, and works again once it resumes', async () => {
    const redis = await startRedis();
    const component = await loadComponent(await readFixture('kv-guest'));
    const store = createRedisKeyValue({ url: redis.url, commandTimeoutMs: 300, onError: () => {} });
    const { exports } = await component.instantiate({ capabilities: { kv: { buckets: { paused: store } } } });
    const api = exports['test:kvguest/api'];
    try {
      await api.put('paused', 'a', '1');
      redis.process!.kill('SIGSTOP');
      let t = performance.now();
      const err = await guestError(() => api.get('paused', 'a'));
      ok(err.startsWith('other: ') && err.includes('did not answer'), err);
      ok(ms(t) >= 250 && ms(t) < 3000, `failed after ${ms(t)} ms`);
      redis.process!.kill('SIGCONT');
      t = performance.now();
      equal(await api.get('paused', 'a'), '1');
      ok(ms(t) < 3000, `answered ${ms(t)} ms after resuming`);
    } finally {
      redis.process?.kill('SIGCONT');
      await store.close();
      await redis.stop();
    }
  });
});
