/**
 * The corpus' wasi:sockets@0.3.0 group (../shared/conformance-p3/components/sockets) with
 * upstream's expectations (jco's P3_CLI_RUN_FIXTURES, run by its cli-runner.js): each is a
 * `wasi:cli/run@0.3.0` program given its file's name as its only argument and one preopen `/`;
 * `run` must answer ok (the guests, wasmtime's p3_sockets_* test programs, assert the rest
 * themselves: a failed assertion traps). They use loopback only (127.0.0.1 and ::1 servers of
 * their own, and addresses such as 192.0.2.0 that must fail to bind), with the sockets grant
 * `*:*`, since they bind to any address and a random port. Node only (browsers have no sockets).
 *
 * One exception to "as upstream": p3-sockets-ip-name-lookup requires that one of five public
 * names (example.com, api.github.com, ...) resolves, which needs the Internet; these machines have
 * no DNS. There it runs over Node's backend with a resolver that answers those five names with a
 * documentation address (192.0.2.1) and asks the system for everything else (localhost, and
 * münchen.de, whose answer the program ignores).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SocketBackend, TcpConnection } from '../../src/core/host/socket-backend.js';
import { createMemoryVolume } from '../../src/core/host/volumes/memory.js';
import { loadComponent, nodeWasi } from '../../src/node/index.js';
import { createNodeSocketBackend } from '../../src/node/sockets.js';
import { readConformanceP3 } from '../harness/files.js';

const dec = new TextDecoder();

/** the sockets each program left open, by program (see the last test) */
const leftOpen = new Map<string, number>();

const SOCKETS = [
  'p3-sockets-ip-name-lookup',
  'p3-sockets-tcp-bind',
  'p3-sockets-tcp-connect',
  'p3-sockets-tcp-listen',
  'p3-sockets-tcp-sample-application',
  'p3-sockets-tcp-sockopts',
  'p3-sockets-tcp-states',
  'p3-sockets-tcp-streams',
  'p3-sockets-udp-bind',
  'p3-sockets-udp-connect',
  'p3-sockets-udp-receive',
  'p3-sockets-udp-sample-application',
  'p3-sockets-udp-send',
  'p3-sockets-udp-sockopts',
  'p3-sockets-udp-states',
] as const;

/** the public names p3-sockets-ip-name-lookup needs one of to resolve */
const PUBLIC_NAMES = new Set(['example.com', 'api.github.com', 'docs.wasmtime.dev', 'bytecodealliance.org', 'www.rust-lang.org']);

/**
 * Node's backend, remembering what it opened that is still open, so that a run that leaves
 * something open (a trapped guest drops nothing) can be cleaned up after; `offline` adds a
 * resolver that knows the public names without the Internet.
 */
function trackedBackend(offline: boolean): { backend: SocketBackend; open: Set<() => void> } {
  const node = createNodeSocketBackend();
  const open = new Set<() => void>();
  /** remembers how to close something just opened; the answer forgets it once it is closed */
  const track = (closeIt: () => void): { done: () => void } => {
    const closer = (): void => { closeIt(); };
    open.add(closer);
    return { done: () => { open.delete(closer); } };
  };
  const connection = (c: TcpConnection): TcpConnection => {
    const { done } = track(() => c.destroy());
    return { ...c, destroy: () => { done(); c.destroy(); } };
  };
  const backend: SocketBackend = {
    lookup: (name) => (offline && PUBLIC_NAMES.has(name) ? Promise.resolve(['192.0.2.1']) : node.lookup(name)),
    tcpConnect: async (o) => connection(await node.tcpConnect(o)),
    async tcpBind(o) {
      const b = await node.tcpBind(o);
      const { done } = track(() => void b.close());
      return { ...b, accept: () => { const c = b.accept(); return c && connection(c); }, close: () => { done(); return b.close(); } };
    },
    async udpBind(o) {
      const b = await node.udpBind(o);
      const { done } = track(() => b.close());
      return { ...b, close: () => { done(); b.close(); } };
    },
  };
  return { backend, open };
}

/** Runs a program as upstream does; resolves to what it printed once `run` answered (or rejects with why not). */
async function runFixture(name: string, options: { backend?: SocketBackend; allow?: string[] } = {}): Promise<{ stdout: string; stderr: string; denied: Error[] }> {
  const component = await loadComponent(await readConformanceP3(`components/sockets/${name}.wasm`));
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const denied: Error[] = [];
  const { exports } = await component.instantiate({
    wasi: options.backend ? { ...nodeWasi, sockets: options.backend } : nodeWasi,
    capabilities: {
      args: [name],
      env: { PATH: '/bin' },
      stdio: { stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()), stdin: null },
      fs: { preopens: { '/': createMemoryVolume() } },
      sockets: { allow: options.allow ?? ['*:*'] },
    },
    onCapabilityDenied: (e) => denied.push(e),
  });
  const text = (chunks: Uint8Array[]): string => dec.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  const run = (exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!;
  try {
    assert.equal(await run.run(), undefined, 'run answers ok');
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}\nstderr: ${text(err)}`, { cause: e });
  }
  return { stdout: text(out), stderr: text(err), denied };
}

describe('conformance-p3: wasi:sockets@0.3.0 programs (Node)', { timeout: 30_000 }, () => {
  for (const name of SOCKETS) {
    it(`runs ${name} to ok`, async (t) => {
      const { backend, open } = trackedBackend(name === 'p3-sockets-ip-name-lookup');
      try {
        const { denied } = await runFixture(name, { backend });
        assert.deepEqual(denied.map((e) => e.message), []);
      } finally {
        leftOpen.set(name, open.size);
        if (open.size > 0) t.diagnostic(`${open.size} sockets were left open by the run (closed now)`);
        for (const close of [...open]) close();
      }
    });
  }

  it('each program leaves nothing open: the last holder of a socket (handle, stream, future) closes it', () => {
    const open = [...leftOpen].filter(([, n]) => n > 0).map(([name, n]) => `${name}: ${n}`);
    assert.deepEqual(open, []);
  });

  it('a platform without sockets (browsers) refuses the grant as for 0.2, naming Node', async () => {
    const component = await loadComponent(await readConformanceP3('components/sockets/p3-sockets-tcp-listen.wasm'));
    const { sockets: _none, ...withoutSockets } = nodeWasi;
    await assert.rejects(
      component.instantiate({ wasi: { ...withoutSockets, name: 'browser' }, capabilities: { sockets: { allow: ['*:*'] } } }),
      (e: Error & { code?: string }) => e.code === 'UNSUPPORTED' && /available in Node only/.test(e.message),
    );
  });

  it('without the sockets grant a program\'s bind is refused with access-denied (reported), and its run fails', async () => {
    const component = await loadComponent(await readConformanceP3('components/sockets/p3-sockets-tcp-listen.wasm'));
    const denied: Error[] = [];
    const { exports } = await component.instantiate({
      capabilities: { args: ['p3-sockets-tcp-listen'], stdio: { stderr: null } },
      onCapabilityDenied: (e) => denied.push(e),
    });
    await assert.rejects((exports as Record<string, { run(): Promise<unknown> }>)['wasi:cli/run']!.run());
    assert.equal(denied.length, 1);
    assert.match(denied[0]!.message, /wasi:sockets\/types@0\.3\.0/);
    assert.match(denied[0]!.message, /capabilities\.sockets = \{ allow: \[/);
  });
});
