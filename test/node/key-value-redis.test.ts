/**
 * The Redis store against a real redis-server (Debian's; `.ci/run` installs it) that this file
 * starts on 127.0.0.1 with its own port and directory, and stops: the KeyValueStore contract suite
 * (`reopen` makes another connection, as another machine would), then what is its own: a client
 * passed in, values kept as a hash per bucket, a server that goes away failing calls at once.
 */
import { createClient } from 'redis';
import { loadComponent } from '../../src/index.node.js';
import { createRedisKeyValue } from '../../src/node/redis.js';
import { readFixture } from '../harness/fixtures.js';
import { equal, ok, rejects, throws } from '../harness/assert.js';
import { after, before, describe, it } from '../harness/test-api.js';
import { testKeyValue } from '../shared/key-value-suite.js';
import { freePort, startRedis, stopAllRedis } from './redis-test-server.js';

let url = '';

before(async () => {
  url = (await startRedis()).url;
});
after(stopAllRedis);

testKeyValue('Redis', async () => {
  const prefix = `t${Date.now()}-${Math.random().toString(36).slice(2)}:`;
  const store = createRedisKeyValue({ url, prefix });
  return { store, reopen: async () => createRedisKeyValue({ url, prefix }), cleanup: () => store.close(), repeatsKeys: true };
});

describe('createRedisKeyValue', () => {
  it('takes a connected client of yours, keeps each bucket as a hash, and leaves your client open', async () => {
    const client = createClient({ url });
    await client.connect();
    try {
      const store = createRedisKeyValue({ client, prefix: 'mine:' });
      equal(store.async, true);
      const b = await store.open('notes');
      await b.set('a', new TextEncoder().encode('1'));
      await b.increment('n', 41n);
      equal(await client.sendCommand(['TYPE', 'mine:notes']), 'hash');
      equal(await client.sendCommand(['HGET', 'mine:notes', 'n']), '41');
      await store.close();
      equal(await client.sendCommand(['PING']), 'PONG');
    } finally {
      await client.close();
    }
  });

  it('lists a large hash (a hashtable, where HSCAN pages by COUNT) completely, a page at most the limit', async () => {
    const store = createRedisKeyValue({ url, prefix: `big${Date.now()}:` });
    try {
      const b = await store.open('big');
      const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
      for (let i = 0; i < keys.length; i += 500) await b.setMany(keys.slice(i, i + 500).map((k) => [k, new Uint8Array([1])]));
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await b.listKeys(cursor, 100);
        ok(page.keys.length <= 100, `${page.keys.length} keys in a page`);
        for (const k of page.keys) seen.add(k);
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined);
      equal(seen.size, 3000);
      ok(pages >= 30, `${pages} pages`);
    } finally {
      await store.close();
    }
  });

  it('guests in worker threads (strategy worker, the host side here) x 100 increments each: exact', async () => {
    const component = await loadComponent(await readFixture('kv-guest'));
    const prefix = `w${Date.now()}:`;
    const stores = [0, 1].map(() => createRedisKeyValue({ url, prefix }));
    const instances = await Promise.all([0, 1, 2, 3].map((i) => component.instantiate({ strategy: 'worker', capabilities: { kv: { buckets: { race: stores[i % 2]! } } } })));
    try {
      equal(instances[0]!.strategy, 'worker');
      await Promise.all(instances.map(async ({ exports }) => {
        for (let i = 0; i < 100; i++) await exports['test:kvguest/api'].increment('race', 'hits', 1n, 1);
      }));
      equal(await instances[0]!.exports['test:kvguest/api'].increment('race', 'hits', 0n, 1), 400n);
    } finally {
      for (const inst of instances) await inst.terminate();
      for (const s of stores) await s.close();
    }
  });

  it('refuses bad options, and fails calls with HOST_ERROR when the server is unreachable', async () => {
    throws(() => createRedisKeyValue({} as never), { instanceOf: TypeError });
    throws(() => createRedisKeyValue({ url, client: {} as never }), { instanceOf: TypeError });
    const port = await freePort();
    const warnings: unknown[] = [];
    const store = createRedisKeyValue({ url: `redis://127.0.0.1:${port}`, onError: (e) => warnings.push(e) });
    const started = Date.now();
    await rejects(() => store.open('x'), { code: 'HOST_ERROR' });
    ok(Date.now() - started < 10_000, 'gives up within seconds');
    ok(warnings.length > 0, 'connection errors reach onError');
    await store.close();
    await rejects(() => store.open('x'), { code: 'HOST_ERROR' });
  });
});
