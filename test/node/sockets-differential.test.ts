/**
 * The sockets guest beside jco's bindings of the same component with preview2-shim's Node
 * sockets (in a child process: the shim blocks its thread on an I/O worker), against one echo
 * server: the same calls must give the same answers, which checks the guest's hand-computed
 * Canonical ABI layouts and our host's behaviour against the reference at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadComponent } from '../../src/index.node.js';
import { readFixture } from '../harness/fixtures.js';
import { type EchoServer, closedPort, startEchoServer } from './sockets-test-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

type Call = ['echo', [number, number, number, number, number, string]] | ['lookupEcho', [string, number, string]];
type Answer = { ok: string } | { err: string };

/** Runs the calls through jco's bindings with preview2-shim in a child process. */
function runJco(calls: Call[]): Promise<Answer[]> {
  const script = `${tmpdir()}/isowasm-jco-sockets-guest.mjs`;
  writeFileSync(script, `
    import { readFileSync } from 'node:fs';
    import { WASIShim } from '${root}node_modules/@bytecodealliance/preview2-shim/dist/common/instantiation.js';
    const dir = '${root}build/fixtures/sockets-guest.jco/';
    const { instantiate } = await import(dir + 'sockets-guest.js');
    const e = await instantiate(async (f) => WebAssembly.compile(readFileSync(dir + f)), new WASIShim().getImportObject());
    const out = [];
    for (const [fn, args] of JSON.parse(process.env.ISOWASM_CALLS)) {
      try { out.push({ ok: await e[fn](...args) }); } catch (err) { out.push({ err: err.payload ?? String(err) }); }
    }
    process.stdout.write(JSON.stringify(out));
  `);
  return new Promise((resolve, reject) => {
    // asynchronous: the echo server answers from this process's event loop
    execFile(process.execPath, [script], { cwd: root, timeout: 60_000, env: { ...process.env, ISOWASM_CALLS: JSON.stringify(calls) } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Answer[]);
    });
  });
}

async function runOurs(calls: Call[]): Promise<Answer[]> {
  const component = await loadComponent(await readFixture('sockets-guest'));
  const { exports } = await component.instantiate({ capabilities: { sockets: { allow: ['*:*'] } } });
  const out: Answer[] = [];
  for (const [fn, args] of calls) {
    try {
      out.push({ ok: await (exports[fn] as (...a: unknown[]) => Promise<string>)(...args) });
    } catch (e) {
      out.push({ err: String((e as { payload?: unknown }).payload ?? e) });
    }
  }
  return out;
}

let server: EchoServer;
before(async () => {
  server = await startEchoServer();
});
after(async () => {
  await server?.close();
});

describe('the sockets guest beside jco\'s bindings with preview2-shim', () => {
  it('gives the same answers for echoes, lookups and failures', async () => {
    const closed = await closedPort();
    const calls: Call[] = [
      ['echo', [127, 0, 0, 1, server.port, 'hello']],
      ['echo', [127, 0, 0, 1, server.port, 'ünïcödé ✓ '.repeat(3000)]],
      ['echo', [127, 0, 0, 1, server.port, '']],
      ['lookupEcho', ['localhost', server.port, 'by name']],
      ['lookupEcho', ['127.0.0.1', server.port, 'literal']],
      ['echo', [127, 0, 0, 1, closed, 'nobody']],
      ['echo', [0, 0, 0, 0, server.port, 'unspecified']],
      ['echo', [127, 0, 0, 1, 0, 'port zero']],
      ['lookupEcho', ['not a name', server.port, 'x']],
      ['lookupEcho', ['does-not-exist.invalid', server.port, 'x']],
    ];
    const [ours, theirs] = await Promise.all([runOurs(calls), runJco(calls)]);
    assert.equal(ours.length, calls.length);
    for (let i = 0; i < calls.length; i++) assert.deepEqual(ours[i], theirs[i], `${JSON.stringify(calls[i]).slice(0, 80)}: ours ${JSON.stringify(ours[i]).slice(0, 80)}, jco ${JSON.stringify(theirs[i]).slice(0, 80)}`);
    assert.deepEqual(ours[0], { ok: 'hello' }, 'the premise: echoes work');
    assert.deepEqual(ours[5], { err: 'connection-refused' });
  });
});
