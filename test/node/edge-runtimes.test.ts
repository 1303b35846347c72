/**
 * The same component answers the same requests on Node, Deno, Bun and workerd: Node's `serve()`
 * is the reference, and each real runtime, started from its npm package (node_modules/.bin), runs
 * the recipe README.md gives for it on 127.0.0.1: Deno and Bun import `isowasm` by name from an
 * app directory (through package.json's `exports`, as after `npm install isowasm`), workerd
 * serves what `isowasm bundle --target workerd` wrote. Every runtime gets the list of
 * test/harness/http-request-list.ts (with the guest's own requests to an origin every server
 * grants, and to one none does) and must answer it exactly as Node did (status, the headers the
 * guest sets, the body's bytes). A runtime that is not installed fails the test: npm install
 * installs all three (dev dependencies).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { type Server, createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ServeOptions, loadComponent, serve } from '../../src/index.node.js';
import { main as cli } from '../../src/node/cli/main.js';
import { conformanceP3Path } from '../harness/conformance-dir.js';
import { type ComparableResponse, type ListedRequest, REQUESTS, outgoingRequests, sendAll } from '../harness/http-request-list.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = `${root}build/fixtures/http-server.wasm`;
const app = `${root}build/edge/app`;
const bundleDir = `${root}build/edge/workerd-http`;
const bin = (name: string): string => `${root}node_modules/.bin/${name}`;

/** A free TCP port on 127.0.0.1 (for workerd, which takes its address on the command line). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Started {
  readonly base: string;
  readonly child: ChildProcess;
  /** what the process wrote, for failure messages */
  readonly output: () => string;
}

/**
 * Spawns a server and waits for `ready` in its output; resolves to its base URL. Fails with the
 * output if the process exits or says nothing within `timeoutMs`.
 */
function start(name: string, command: string, args: readonly string[], cwd: string, ready: RegExp, timeoutMs = 60_000): Promise<Started> {
  if (!existsSync(command)) {
    return Promise.reject(new Error(`${name} is not installed (${command} is missing): run npm install, which installs it as a dev dependency`));
  }
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let text = '';
  const output = (): string => text.slice(-4000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not say it was listening within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const m = ready.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1]!.replace(/\/$/, ''), child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before listening:\n${output()}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const running = new Set<ChildProcess>();
// should this process end without `after` (a runner's timeout), no server outlives it
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Ends a server: SIGTERM, then SIGKILL if it is still there after 3 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Listens on a free port of 127.0.0.1; resolves to the server's origin. */
async function listenLocally(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The reference: what `ask` gets from the fixture served by this checkout in Node, the server closed after. */
async function askNode<T>(fixturePath: string, options: Omit<ServeOptions, 'hostname' | 'port' | 'signal'>, ask: (base: string) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const served = await serve(await loadComponent(fixturePath), { ...options, hostname: '127.0.0.1', port: 0, signal: controller.signal });
  try {
    return await ask(served.url.href);
  } finally {
    controller.abort();
    await served.closed;
  }
}

/** Ends the runtimes' servers and the origin the guests reached. */
async function stopAll(originServer: Server): Promise<void> {
  await Promise.all([...running].map(stop));
  originServer.closeAllConnections();
  await new Promise<void>((resolve) => originServer.close(() => resolve()));
}

/** The app directory Deno and Bun run in: `isowasm` installed (a link to this checkout) and the two recipes. */
async function prepareApp(): Promise<void> {
  await rm(app, { recursive: true, force: true });
  await mkdir(`${app}/node_modules`, { recursive: true });
  await symlink(root, `${app}/node_modules/isowasm`, 'dir');
  await writeFile(`${app}/package.json`, `${JSON.stringify({ name: 'edge-app', private: true, type: 'module', dependencies: { isowasm: '*' } }, null, 2)}\n`);
  // Bun reads the nearest tsconfig.json: without this one, the checkout's `paths` would send
  // `isowasm` to src/*.ts instead of the built package an installed copy has
  await writeFile(`${app}/tsconfig.json`, '{}\n');
  for (const f of ['serve-deno.mjs', 'serve-bun.mjs']) await copyFile(`${root}test/edge/${f}`, `${app}/${f}`);
}

/** What a failing comparison prints: the responses that differ, not the whole list. */
function differences(got: readonly ComparableResponse[], want: readonly ComparableResponse[]): string {
  const out: string[] = [];
  for (let i = 0; i < want.length; i++) {
    try {
      assert.deepStrictEqual(got[i], want[i]);
    } catch {
      out.push(`${want[i]!.name}:\n  node: ${JSON.stringify(want[i])}\n  here: ${JSON.stringify(got[i])}`);
    }
  }
  return out.join('\n');
}

describe('the same component on Node, Deno, Bun and workerd', { timeout: 180_000 }, () => {
  let reference: ComparableResponse[];
  /** where the guest's outgoing requests go: granted to every server */
  let origin: string;
  let originServer: Server;
  let requests: ListedRequest[];

  before(async () => {
    assert.ok(existsSync(fixture), `${fixture} is missing: run npm run fixtures`);
    originServer = createHttpServer((req, res) => res.end(`origin saw ${req.method} ${req.url}`));
    origin = await listenLocally(originServer);
    // port 9 (discard) is never granted: the guest is refused before any connection
    requests = [...REQUESTS, ...outgoingRequests(origin, 'http://127.0.0.1:9')];
    // the guest's own complaints (a stack trace at /trap) go nowhere: the comparison is the test's output
    reference = await askNode(fixture, {
      onError: () => {}, capabilities: { stdio: { stderr: () => {} }, http: { allow: [origin] } }, onCapabilityDenied: () => {},
    }, (base) => sendAll(base, requests));
  });

  after(() => stopAll(originServer));

  it('Node answers the list as the guest means it (the reference is right)', () => {
    const byName = new Map(reference.map((r) => [r.name, r]));
    const echo = JSON.parse(byName.get('GET with a query and repeated headers')!.body) as { url: string; headers: [string, string][] };
    assert.equal(echo.url, 'http://app.test:8080/echo?a=1&b=two&a=3&empty=&sp=a%20b');
    assert.deepEqual(echo.headers.find(([k]) => k === 'x-multi'), ['x-multi', 'one, two']);
    assert.equal(byName.get('a 1 MiB response streamed in 16 KiB chunks')!.bodyLength, 1024 * 1024);
    assert.equal(byName.get('a 256 KiB binary body streamed back')!.bodyLength, 256 * 1024);
    assert.equal(byName.get('201 with repeated response headers')!.headers['x-a'], '1, 2');
    assert.equal(byName.get('a trap: 500')!.status, 500);
    assert.equal(byName.get('an exception in the handler: 500')!.status, 500);
    assert.equal(byName.get('served after the failures')!.status, 200);
    assert.equal(byName.get('a fresh instance after the failures')!.body, '1');
    assert.equal(byName.get('an outgoing request to a granted origin')!.body, '200 origin saw GET /hello?from=guest');
    assert.equal(byName.get('an outgoing request to an origin not granted: 500')!.status, 500);
    assert.equal(byName.get('served after the refusal')!.body, '1');
    assert.equal(reference.length, requests.length);
  });

  it('Deno (Deno.serve, isowasm by its package name)', async () => {
    await prepareApp();
    const s = await start('deno', bin('deno'), ['run', '--allow-read', '--allow-net=127.0.0.1', 'serve-deno.mjs', fixture, '0', origin], app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const got = await sendAll(s.base, requests);
    assert.deepStrictEqual(got, reference, differences(got, reference));
  });

  it('Bun (Bun.serve, isowasm by its package name)', async () => {
    if (!existsSync(`${app}/serve-bun.mjs`)) await prepareApp();
    const s = await start('bun', bin('bun'), ['serve-bun.mjs', fixture, '0', origin], app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const got = await sendAll(s.base, requests);
    assert.deepStrictEqual(got, reference, differences(got, reference));
  });

  it('workerd (export default { fetch }, the bundle isowasm bundle --target workerd wrote)', async () => {
    const code = await cli(['bundle', '--target', 'workerd', '--out', bundleDir, '--allow-http', origin, fixture]);
    assert.equal(code, 0, 'isowasm bundle succeeds');
    const port = await freePort();
    const s = await start('workerd', bin('workerd'), ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], bundleDir, /Listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const got = await sendAll(s.base, requests);
    assert.deepStrictEqual(got, reference, differences(got, reference));
  });

  it('workerd stops a guest looping in its own code by fuel (its clocks are frozen while a request runs), and goes on serving', async () => {
    const dir = `${bundleDir}-fuel`;
    // a request of this guest spends some thousands of units; 20 million is a budget no honest request nears
    const code = await cli(['bundle', '--target', 'workerd', '--out', dir, '--fuel', '20000000', '--timeout', '5s', '--max-memory', '512MB', fixture]);
    assert.equal(code, 0, 'isowasm bundle succeeds');
    const port = await freePort();
    const s = await start('workerd', bin('workerd'), ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], dir, /Listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.equal(await (await fetch(`${s.base}/count`)).text(), '1');
    const t0 = performance.now();
    const spin = await fetch(`${s.base}/spin`);
    assert.equal(spin.status, 500);
    await spin.arrayBuffer();
    assert.ok(performance.now() - t0 < 30_000, 'stopped');
    // worker.js's onError logs it: the meter's fuel stopped the guest
    for (let i = 0; i < 50 && !s.output().includes('OUT_OF_FUEL'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(s.output(), /GET \/spin: OUT_OF_FUEL: .*limits\.fuel \(20000000\)/);
    assert.equal(await (await fetch(`${s.base}/count`)).text(), '1', 'a fresh instance serves the next request');
    const echo = await fetch(`${s.base}/echo`, { method: 'POST', body: 'metered' });
    assert.equal(((await echo.json()) as { body: string }).body, 'metered');
  });
});

describe('a wasi:http/handler@0.3.0 component on Node, Deno, Bun and workerd', { timeout: 180_000 }, () => {
  // the corpus' p3-http-proxy: it forwards a request to the URL of its `url` header, through the
  // runtime's fetch, to an origin every server grants (upstream's p3 echo server)
  const proxy = conformanceP3Path('components/http/p3-http-proxy.wasm');
  const body = 'And the mome raths outgrabe';
  let origin: string;
  let originServer: Server;
  let reference: string[];

  /** What a server answered to the proxy's requests, as comparable lines. */
  async function ask(base: string): Promise<string[]> {
    const out: string[] = [];
    const forwarded = await fetch(`${base}/post`, { method: 'POST', body, headers: { foo: 'bar', url: `${origin}/proxy?x=1` } });
    out.push(`${forwarded.status} ${forwarded.headers.get('x-wasmtime-test-method')} ${forwarded.headers.get('x-wasmtime-test-uri')} ${await forwarded.text()}`);
    const bad = await fetch(`${base}/`);
    out.push(`${bad.status} ${await bad.text()}`);
    return out;
  }

  before(async () => {
    originServer = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-wasmtime-test-method': req.method ?? '', 'x-wasmtime-test-uri': req.url ?? '' });
      res.flushHeaders();
      req.pipe(res);
    });
    origin = await listenLocally(originServer);
    reference = await askNode(proxy, { capabilities: { http: { allow: [origin] } } }, (base) => ask(base.replace(/\/$/, '')));
  });

  after(() => stopAll(originServer));

  it('Node forwards it (the reference is right)', () => {
    assert.deepEqual(reference, [`200 POST /proxy ${body}`, '400 ']);
  });

  it('Deno', async () => {
    await prepareApp();
    const s = await start('deno', bin('deno'), ['run', '--allow-read', '--allow-net=127.0.0.1', 'serve-deno.mjs', proxy, '0', origin], app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.deepEqual(await ask(s.base), reference, s.output());
  });

  it('Bun', async () => {
    if (!existsSync(`${app}/serve-bun.mjs`)) await prepareApp();
    const s = await start('bun', bin('bun'), ['serve-bun.mjs', proxy, '0', origin], app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.deepEqual(await ask(s.base), reference, s.output());
  });

  it('workerd (isowasm bundle --target workerd)', async () => {
    const dir = `${bundleDir}-p3`;
    const code = await cli(['bundle', '--target', 'workerd', '--out', dir, '--allow-http', origin, proxy]);
    assert.equal(code, 0, 'isowasm bundle succeeds');
    const port = await freePort();
    const s = await start('workerd', bin('workerd'), ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], dir, /Listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.deepEqual(await ask(s.base), reference, s.output());
  });
});
