/**
 * The notes demo's component (demos/notes/guest.js) through createFetchHandler, without a
 * browser: the API's CRUD and its checks, the search (every word as a word prefix, ranked, the
 * snippet escaped and marked), the sync operations the Service Worker relies on (PUT by id keeps
 * the given times, PUT of the list replaces everything), and the Markdown renderer's subset and
 * its safety (no raw HTML, no javascript: links, no markup inside an href).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createFetchHandler, createMemoryKeyValue, type FetchHandler, loadComponent } from '../../src/index.node.js';

let handle: FetchHandler;

interface Note { id: string; title: string; body: string; created: number; updated: number; html?: string }

before(async () => {
  const { buildNotes } = (await import(new URL('../../../demos/notes/build.mjs', import.meta.url).href)) as { buildNotes(o?: { quiet?: boolean }): Promise<string> };
  const component = await loadComponent(await buildNotes({ quiet: true }));
  handle = createFetchHandler(component, { capabilities: { kv: { buckets: { notes: createMemoryKeyValue() } } } });
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown; type: string }> {
  const r = await handle(new Request(`http://notes.test${path}`, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) }));
  const text = await r.text();
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, data: type.includes('json') && text ? JSON.parse(text) : text, type };
}

async function render(markdown: string): Promise<string> {
  const r = await call('POST', '/api/render', markdown);
  assert.equal(r.status, 200);
  return r.data as string;
}

describe('the notes component', () => {
  it('creates, reads, updates, lists (newest first) and deletes notes', async () => {
    await call('PUT', '/api/notes', []);
    const a = await call('POST', '/api/notes', { title: '  First ', body: '# One' });
    assert.equal(a.status, 201);
    const first = a.data as Note;
    assert.match(first.id, /^[0-9a-f]{16}$/);
    assert.equal(first.title, 'First');
    assert.equal(first.created, first.updated);
    const second = (await call('POST', '/api/notes', { body: 'no title' })).data as Note;
    assert.equal(second.title, 'Untitled');
    const got = (await call('GET', `/notes/${first.id}`)).data as Note; // the /api prefix is optional
    assert.equal(got.html, '<h1>One</h1>');
    const put = (await call('PUT', `/api/notes/${first.id}`, { title: 'First, edited', body: 'two' })).data as Note;
    assert.equal(put.created, first.created);
    assert.ok(put.updated >= first.updated);
    const list = (await call('GET', '/api/notes')).data as Note[];
    assert.deepEqual(list.map((n) => n.title), put.updated > second.updated ? ['First, edited', 'Untitled'] : ['Untitled', 'First, edited']);
    assert.equal((await call('DELETE', `/api/notes/${first.id}`)).status, 204);
    assert.equal((await call('DELETE', `/api/notes/${first.id}`)).status, 204);
    assert.equal((await call('GET', `/api/notes/${first.id}`)).status, 404);
    assert.deepEqual(((await call('GET', '/api/notes')).data as Note[]).map((n) => n.id), [second.id]);
  });

  it('refuses what is not a note, with a status and a message', async () => {
    for (const [method, path, body, status] of [
      ['POST', '/api/notes', 'not json', 400],
      ['POST', '/api/notes', [1], 400],
      ['POST', '/api/notes', { title: 3 }, 400],
      ['POST', '/api/notes', { title: 'x'.repeat(201) }, 413],
      ['PUT', '/api/notes/bad%20id', { title: 'x' }, 400],
      ['PUT', '/api/notes', { not: 'a list' }, 400],
      ['PATCH', '/api/notes', undefined, 405],
      ['GET', '/api/nothing', undefined, 404],
    ] as const) {
      const r = await call(method, path, body);
      assert.equal(r.status, status, `${method} ${path}`);
      assert.equal(typeof (r.data as { error?: unknown }).error, 'string');
    }
  });

  it('syncs: PUT by id keeps the given times, PUT of the list replaces every note', async () => {
    const kept = (await call('PUT', '/api/notes/from-device', { title: 'Synced', body: 'b', created: 10, updated: 20 })).data as Note;
    assert.deepEqual([kept.created, kept.updated], [10, 20]);
    const r = await call('PUT', '/api/notes', [
      { id: 'a1', title: 'A', body: 'x', created: 1, updated: 3 },
      { id: 'b2', title: 'B', body: 'y', created: 1, updated: 5 },
    ]);
    assert.deepEqual(r.data, { count: 2 });
    assert.deepEqual(((await call('GET', '/api/notes')).data as Note[]).map((n) => [n.id, n.updated]), [['b2', 5], ['a1', 3]]);
  });

  it('searches every word as a word prefix, titles weigh more, snippets escaped and marked', async () => {
    await call('PUT', '/api/notes', [
      { id: 'n1', title: 'Shopping', body: 'Buy milk, eggs and <b>bread</b> at the market.', updated: 1 },
      { id: 'n2', title: 'Milk recipes', body: 'Rice pudding with milk.', updated: 2 },
      { id: 'n3', title: 'Other', body: 'Buttermilk is not a match for a prefix search.', updated: 3 },
    ]);
    const hits = (await call('GET', '/api/search?q=MILK')).data as { id: string; snippet: string; score: number }[];
    assert.deepEqual(hits.map((h) => h.id), ['n2', 'n1']);
    assert.equal(hits[0]!.score, 4);
    assert.equal(hits[1]!.snippet, 'Buy <mark>milk</mark>, eggs and &lt;b&gt;bread&lt;/b&gt; at the market.');
    assert.deepEqual(((await call('GET', '/api/search?q=mil%20bre')).data as { id: string }[]).map((h) => h.id), ['n1']);
    assert.deepEqual((await call('GET', '/api/search?q=milk%20nowhere')).data, []);
    assert.deepEqual((await call('GET', '/api/search?q=%20%2C')).data, []);
    assert.deepEqual(((await call('GET', '/api/search?q=b')).data as { id: string }[]).map((h) => h.id).sort(), ['n1', 'n3']);
  });

  it('renders the Markdown subset', async () => {
    assert.equal(await render('# Title #\n###### six'), '<h1>Title</h1>\n<h6>six</h6>');
    assert.equal(await render('one\nline\n\ntwo'), '<p>one\nline</p>\n<p>two</p>');
    assert.equal(await render('**bold** *em* _em_ `co*de*`'), '<p><strong>bold</strong> <em>em</em> <em>em</em> <code>co*de*</code></p>');
    assert.equal(await render('- a\n- b\n  more\n\n1. x\n2) y'), '<ul><li>a</li><li>b more</li></ul>\n<ol><li>x</li><li>y</li></ol>');
    assert.equal(await render('> quoted\n> # head'), '<blockquote><p>quoted</p>\n<h1>head</h1></blockquote>');
    assert.equal(await render('---\n* * *'), '<hr>\n<hr>');
    assert.equal(await render('```\n<b>x</b>\n\n# not a heading\n```'), '<pre><code>&lt;b&gt;x&lt;/b&gt;\n\n# not a heading</code></pre>');
    assert.equal(await render('snake_case_name and 2*3*4'), '<p>snake_case_name and 2*3*4</p>');
  });

  it('renders no raw HTML, no unsafe links and no markup inside an href', async () => {
    assert.equal(await render('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    assert.equal(await render('[x](javascript:alert(1))'), '<p>x)</p>');
    assert.equal(await render('[x](JavaScript:alert)'), '<p>x</p>');
    assert.equal(await render('[x](data:text/html,hi)'), '<p>x</p>');
    assert.equal(await render('[ok](/relative) [mail](mailto:a@b.c)'), '<p><a href="/relative">ok</a> <a href="mailto:a@b.c">mail</a></p>');
    assert.equal(await render('[*a*](https://x.org/*b*/_c_/"q")'), '<p><a href="https://x.org/*b*/_c_/&quot;q&quot;"><em>a</em></a></p>');
    assert.equal(await render('text \u0000 0 \u0000'), '<p>text  0 </p>');
  });
});
