// The notes API (a `jco componentize` fetch-event handler): every note is one key
// (`note:<id>`, JSON) in the wasi:keyvalue bucket "notes", so two requests writing different notes
// never race. Paths are served with or without the `/api` prefix.
//
//   GET    /api/notes            every note, newest first ({ id, title, body, created, updated })
//   POST   /api/notes            { title, body } -> the new note (201)
//   PUT    /api/notes            [note, ...] -> replaces every note (how a device copy is synced)
//   GET    /api/notes/:id        the note, with `html`: its body rendered from Markdown
//   PUT    /api/notes/:id        { title, body, created?, updated? } -> the note (made if missing)
//   DELETE /api/notes/:id        204 (also when there was none)
//   GET    /api/search?q=words   notes holding every word (as a word prefix), best first, with a
//                                marked snippet: [{ id, title, score, snippet }]
//   POST   /api/render           Markdown text -> HTML (the editor's live preview)
import { open } from 'wasi:keyvalue/store@0.2.0-draft2';
import { getMany, setMany, deleteMany } from 'wasi:keyvalue/batch@0.2.0-draft2';

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_TITLE = 200;
const MAX_BODY = 100_000;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

// ---- storage ----

function bucket() {
  return open('notes');
}

function allKeys(b) {
  const keys = [];
  let cursor;
  do {
    const page = b.listKeys(cursor);
    for (const k of page.keys) if (k.startsWith('note:')) keys.push(k);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return keys;
}

function allNotes(b) {
  const keys = allKeys(b);
  const notes = [];
  if (keys.length === 0) return notes;
  for (const entry of getMany(b, keys)) {
    if (entry) notes.push(JSON.parse(dec.decode(entry[1])));
  }
  notes.sort((a, c) => c.updated - a.updated || (a.id < c.id ? -1 : 1));
  return notes;
}

function readNote(b, id) {
  const v = b.get(`note:${id}`);
  return v === undefined ? undefined : JSON.parse(dec.decode(v));
}

function newId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A note from what a client sent, checked; `id` and times as given or made. */
function noteFrom(input, id, existing) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HttpError(400, 'a note is a JSON object { title, body }');
  const title = input.title ?? '';
  const body = input.body ?? '';
  if (typeof title !== 'string' || typeof body !== 'string') throw new HttpError(400, 'title and body must be strings');
  if (title.length > MAX_TITLE || body.length > MAX_BODY) throw new HttpError(413, `title (${MAX_TITLE}) or body (${MAX_BODY} chars) too long`);
  const now = Date.now();
  const time = (t, otherwise) => (Number.isSafeInteger(t) && t >= 0 ? t : otherwise);
  return {
    id,
    title: title.trim() || 'Untitled',
    body,
    created: time(input.created, existing?.created ?? now),
    updated: time(input.updated, now),
  };
}

function validId(id) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new HttpError(400, 'a note id is 1-64 letters, digits, - or _');
  return id;
}

async function body(request) {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

// ---- search ----

function tokens(text) {
  return text.toLowerCase().match(/[a-z0-9\u00c0-\u024f\u0370-\uffff]+/g) ?? [];
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function search(notes, query) {
  const terms = [...new Set(tokens(query))];
  if (terms.length === 0) return [];
  const results = [];
  for (const note of notes) {
    const title = tokens(note.title);
    const text = tokens(note.body);
    let score = 0;
    let all = true;
    for (const term of terms) {
      const inTitle = title.filter((t) => t.startsWith(term)).length;
      const inBody = text.filter((t) => t.startsWith(term)).length;
      if (inTitle + inBody === 0) {
        all = false;
        break;
      }
      score += 3 * inTitle + inBody;
    }
    if (all) results.push({ id: note.id, title: note.title, score, updated: note.updated, snippet: snippet(note, terms) });
  }
  results.sort((a, b) => b.score - a.score || b.updated - a.updated);
  return results;
}

/** ~120 characters of the body around the first match, escaped, the matching words marked. */
function snippet(note, terms) {
  const pattern = new RegExp(`(^|[^a-z0-9\\u00c0-\\u024f\\u0370-\\uffff])(${terms.map(escapeRegExp).join('|')})`, 'i');
  const text = note.body.replace(/\s+/g, ' ').trim();
  const m = pattern.exec(text);
  let start = m ? Math.max(0, m.index - 40) : 0;
  let piece = text.slice(start, start + 120);
  if (start > 0) piece = `…${piece}`;
  if (start + 120 < text.length) piece = `${piece}…`;
  const marker = new RegExp(`(^|[^a-z0-9\\u00c0-\\u024f\\u0370-\\uffff])(${terms.map(escapeRegExp).join('|')})`, 'gi');
  // mark on the raw text, escape the pieces between marks
  let out = '';
  let last = 0;
  for (let x; (x = marker.exec(piece)) !== null;) {
    const at = x.index + x[1].length;
    out += `${escapeHtml(piece.slice(last, at))}<mark>${escapeHtml(x[2])}</mark>`;
    last = at + x[2].length;
    if (x[0].length === 0) marker.lastIndex++;
  }
  return out + escapeHtml(piece.slice(last));
}

// ---- Markdown (a small subset: headings, paragraphs, emphasis, code, lists, quotes, links, rules) ----

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function safeHref(href) {
  // no scheme (a relative link), or one of these: never javascript: and the like
  return !/^[a-z][a-z0-9+.-]*:/i.test(href) || /^(https?|mailto):/i.test(href);
}

function emphasis(t) {
  t = t.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  t = t.replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
  return t.replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
}

function inline(text) {
  let out = '';
  for (const part of text.split(/(`[^`]+`)/)) {
    if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
      out += `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      continue;
    }
    // links become placeholders first, so emphasis never reaches into an href
    const links = [];
    let t = escapeHtml(part.replace(/\u0000/g, ''));
    t = t.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label, href) => {
      links.push(safeHref(href) ? `<a href="${href}">${emphasis(label)}</a>` : emphasis(label));
      return `\u0000${links.length - 1}\u0000`;
    });
    out += emphasis(t).replace(/\u0000(\d+)\u0000/g, (_, i) => links[Number(i)]);
  }
  return out;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>/;
const BULLET = /^\s{0,3}[-*+]\s+/;
const NUMBER = /^\s{0,3}\d{1,9}[.)]\s+/;
const FENCE = /^\s{0,3}```/;

function markdown(src) {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (line.trim() === '') {
      i++;
    } else if (FENCE.test(line)) {
      const code = [];
      for (i++; i < lines.length && !FENCE.test(lines[i]); i++) code.push(lines[i]);
      i++;
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if ((m = HEADING.exec(line))) {
      out.push(`<h${m[1].length}>${inline(m[2])}</h${m[1].length}>`);
      i++;
    } else if (RULE.test(line)) {
      out.push('<hr>');
      i++;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) quoted.push(lines[i].replace(/^\s{0,3}>\s?/, ''));
      out.push(`<blockquote>${markdown(quoted.join('\n'))}</blockquote>`);
    } else if (BULLET.test(line) || NUMBER.test(line)) {
      const marker = BULLET.test(line) ? BULLET : NUMBER;
      const items = [];
      for (; i < lines.length && lines[i].trim() !== ''; i++) {
        if (marker.test(lines[i])) items.push(lines[i].replace(marker, ''));
        else if (items.length && /^\s+\S/.test(lines[i])) items[items.length - 1] += ` ${lines[i].trim()}`;
        else break;
      }
      const tag = marker === BULLET ? 'ul' : 'ol';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
    } else {
      const para = [];
      for (; i < lines.length && lines[i].trim() !== '' && !FENCE.test(lines[i]) && !HEADING.test(lines[i]) && !RULE.test(lines[i])
        && !QUOTE.test(lines[i]) && !BULLET.test(lines[i]) && !NUMBER.test(lines[i]); i++) para.push(lines[i].trim());
      out.push(`<p>${inline(para.join('\n'))}</p>`);
    }
  }
  return out.join('\n');
}

// ---- routes ----

async function route(request) {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\/api(?=\/)/, '');
  const method = request.method;
  if (path === '/notes') {
    const b = bucket();
    if (method === 'GET') return json(allNotes(b));
    if (method === 'POST') {
      const note = noteFrom(await body(request), newId());
      b.set(`note:${note.id}`, enc.encode(JSON.stringify(note)));
      return json(note, 201);
    }
    if (method === 'PUT') {
      const list = await body(request);
      if (!Array.isArray(list)) throw new HttpError(400, 'PUT /api/notes takes a JSON array of notes');
      const notes = list.map((n) => noteFrom(n, validId(String(n?.id ?? ''))));
      const keep = new Set(notes.map((n) => `note:${n.id}`));
      const gone = allKeys(b).filter((k) => !keep.has(k));
      if (gone.length) deleteMany(b, gone);
      if (notes.length) setMany(b, notes.map((n) => [`note:${n.id}`, enc.encode(JSON.stringify(n))]));
      return json({ count: notes.length });
    }
    throw new HttpError(405, 'GET, POST or PUT');
  }
  const one = /^\/notes\/([^/]+)$/.exec(path);
  if (one) {
    const id = validId(decodeURIComponent(one[1]));
    const b = bucket();
    if (method === 'GET') {
      const note = readNote(b, id);
      if (!note) throw new HttpError(404, 'no such note');
      return json({ ...note, html: markdown(note.body) });
    }
    if (method === 'PUT') {
      const note = noteFrom(await body(request), id, readNote(b, id));
      b.set(`note:${id}`, enc.encode(JSON.stringify(note)));
      return json(note);
    }
    if (method === 'DELETE') {
      b.delete(`note:${id}`);
      return new Response(null, { status: 204 });
    }
    throw new HttpError(405, 'GET, PUT or DELETE');
  }
  if (path === '/search') {
    if (method !== 'GET') throw new HttpError(405, 'GET');
    return json(search(allNotes(bucket()), url.searchParams.get('q') ?? ''));
  }
  if (path === '/render') {
    if (method !== 'POST') throw new HttpError(405, 'POST');
    const text = await request.text();
    if (text.length > MAX_BODY) throw new HttpError(413, 'too long');
    return new Response(markdown(text), { headers: { 'content-type': 'text/html; charset=utf-8' } });
  }
  throw new HttpError(404, 'not found');
}

async function handle(request) {
  try {
    return await route(request);
  } catch (e) {
    if (e instanceof HttpError) return json({ error: e.message }, e.status);
    // a wasi:keyvalue error: { tag, val }
    const p = e && e.payload;
    const message = p && p.tag ? (p.tag === 'other' ? `store: ${p.val}` : `store: ${p.tag}`) : String(e);
    return json({ error: message }, 500);
  }
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
