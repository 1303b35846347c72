// The notes page: plain DOM, every change through the API (/api/notes, /api/search, /api/render),
// which the server or the page's Service Worker answers (sw.js says who, and when). Each request
// is logged with who answered (the x-served-by header) and how long it took, seen from the page.
const $ = (s) => document.querySelector(s);
const onDevice = $('#on-device');
const state = { notes: [], selected: null, query: '' };

onDevice.checked = localStorage.getItem('answer-on') === 'device';
onDevice.addEventListener('change', () => {
  localStorage.setItem('answer-on', onDevice.checked ? 'device' : 'server');
  void refresh();
});

/** One API request: logged with who answered and how long it took. Resolves to { status, data }. */
async function api(method, path, body) {
  const headers = { 'x-answer-on': onDevice.checked ? 'device' : 'server' };
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'text/markdown' : 'application/json';
  const started = performance.now();
  let response;
  let text;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    text = await response.text();
  } catch (e) {
    log(method, path, '—', 'no answer (offline)', performance.now() - started, 'by-none');
    throw e;
  }
  const ms = performance.now() - started;
  const sw = response.headers.get('x-served-by') === 'service-worker';
  const why = response.headers.get('x-fallback') === 'server-unreachable' ? ' (server unreachable)' : '';
  log(method, path, response.status, sw ? `service worker${why}` : 'server', ms, sw ? 'by-sw' : 'by-server');
  const data = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  if (!response.ok) throw new Error(data?.error ?? `${response.status}`);
  return data;
}

function log(method, path, status, by, ms, cls) {
  const row = document.createElement('tr');
  for (const [text, c] of [[`${method} ${path}`], [String(status)], [by, cls], [ms.toFixed(1), 'ms']]) {
    const td = document.createElement('td');
    td.textContent = text;
    if (c) td.className = c;
    row.append(td);
  }
  const body = $('#log tbody');
  body.prepend(row);
  while (body.rows.length > 12) body.deleteRow(-1);
}

function status(text) {
  $('#status').textContent = text;
}

function renderList(items, search) {
  const list = $('#list');
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    if (item.id === state.selected) li.className = 'selected';
    const t = document.createElement('div');
    t.className = 't';
    t.textContent = item.title;
    const s = document.createElement('div');
    s.className = 's';
    if (search) s.innerHTML = item.snippet; // escaped by the component, only <mark> added
    else s.textContent = new Date(item.updated).toLocaleString();
    li.append(t, s);
    li.addEventListener('click', () => void select(item.id));
    list.append(li);
  }
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = search ? 'No note matches.' : 'No notes yet: write one.';
    list.append(li);
  }
}

async function refresh() {
  try {
    if (state.query.trim()) renderList(await api('GET', `/api/search?q=${encodeURIComponent(state.query)}`), true);
    else renderList(state.notes = await api('GET', '/api/notes'), false);
  } catch (e) {
    status(`could not load: ${e.message}`);
  }
}

async function select(id) {
  state.selected = id;
  try {
    const note = await api('GET', `/api/notes/${encodeURIComponent(id)}`);
    $('#title').value = note.title;
    $('#body').value = note.body;
    $('#preview').innerHTML = note.html; // rendered by the component, which escapes the text
    status(`saved ${new Date(note.updated).toLocaleTimeString()}`);
  } catch (e) {
    status(`could not open: ${e.message}`);
  }
  for (const li of document.querySelectorAll('#list li')) li.classList.toggle('selected', li.dataset.id === id);
}

function clearEditor() {
  state.selected = null;
  $('#title').value = '';
  $('#body').value = '';
  $('#preview').replaceChildren();
  status('new note');
  for (const li of document.querySelectorAll('#list li')) li.classList.remove('selected');
}

$('#new').addEventListener('click', () => {
  clearEditor();
  $('#title').focus();
});

$('#save').addEventListener('click', async () => {
  const note = { title: $('#title').value, body: $('#body').value };
  try {
    const saved = state.selected
      ? await api('PUT', `/api/notes/${encodeURIComponent(state.selected)}`, note)
      : await api('POST', '/api/notes', note);
    state.selected = saved.id;
    status(`saved ${new Date(saved.updated).toLocaleTimeString()}`);
    await refresh();
  } catch (e) {
    status(`not saved: ${e.message}`);
  }
});

$('#delete').addEventListener('click', async () => {
  if (!state.selected) return;
  try {
    await api('DELETE', `/api/notes/${encodeURIComponent(state.selected)}`);
    clearEditor();
    status('deleted');
    await refresh();
  } catch (e) {
    status(`not deleted: ${e.message}`);
  }
});

let searchTimer;
$('#search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.query = $('#search').value;
    void refresh();
  }, 250);
});

let previewTimer;
$('#body').addEventListener('input', () => {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    try {
      $('#preview').innerHTML = await api('POST', '/api/render', $('#body').value);
    } catch { /* logged */ }
  }, 400);
});

/** Registers the Service Worker and waits until it controls the page and its component is ready. */
async function startServiceWorker() {
  const label = $('#sw-state');
  if (!('serviceWorker' in navigator)) {
    label.textContent = 'no Service Worker here: the server answers';
    return;
  }
  try {
    await navigator.serviceWorker.register('/sw.js', { type: 'module' });
    if (!navigator.serviceWorker.controller) {
      // the first visit: the Service Worker claims the page once it is active
      const claimed = new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
      await Promise.race([claimed, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (!navigator.serviceWorker.controller) throw new Error('it does not control this page (yet): the server answers');
    }
    label.textContent = 'Service Worker: loading the component…';
    const channel = new MessageChannel();
    const reply = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    navigator.serviceWorker.controller.postMessage('ready?', [channel.port2]);
    const r = await reply;
    label.textContent = r.ready ? 'Service Worker: ready, the component can answer on this device' : `Service Worker: the component failed to load (${r.error})`;
    document.documentElement.dataset.sw = r.ready ? 'ready' : 'failed';
  } catch (e) {
    label.textContent = `Service Worker: ${e.message}`;
    document.documentElement.dataset.sw = 'failed';
  }
}

await startServiceWorker();
await refresh();
document.documentElement.dataset.loaded = 'true';
