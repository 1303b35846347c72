import { ComponentExit } from '../../src/core/index.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { readConformance } from '../harness/files.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

const text = (chunks: Uint8Array[]): string => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));

describe('WASI through isowasm\'s host and capability grants', () => {
  it('runs a C command with exactly the granted args and env, captures stdout/stderr, surfaces exit codes', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('c-cli'));
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const { exports } = await component.instantiate({
      capabilities: { args: ['prog', '0'], env: { GREETING: 'hi' }, stdio: { stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()) } },
    });
    equal(await exports['wasi:cli/run'].run(), undefined);
    equal(text(out), 'hello from C\narg 0: prog\narg 1: 0\nGREETING=hi\n');
    equal(text(err), 'to stderr\n');

    // a non-zero exit code ends the run with ComponentExit (the preview1 adapter reports it as 1)
    const second = await component.instantiate({ capabilities: { args: ['prog', '5'], stdio: { stdout: null, stderr: null } } });
    const e = await rejects(async () => second.exports['wasi:cli/run'].run(), { instanceOf: ComponentExit });
    equal((e as ComponentExit).exitCode, 1);
    // the instance is over after exit
    await rejects(async () => second.exports['wasi:cli/run'].run(), { code: 'INSTANCE_POISONED' });
  });

  it('gives the guest nothing of the host by default: no args, no env', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('c-cli'));
    const out: Uint8Array[] = [];
    const { exports } = await component.instantiate({ capabilities: { stdio: { stdout: (b) => out.push(b.slice()), stderr: null } } });
    await exports['wasi:cli/run'].run();
    equal(text(out), 'hello from C\nGREETING=(unset)\n');
  });

  it('feeds stdin from a grant', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('c-cli'));
    const out: Uint8Array[] = [];
    const { exports } = await component.instantiate({
      capabilities: { args: ['prog', '0', 'echo'], stdio: { stdout: (b) => out.push(b.slice()), stderr: null, stdin: 'line one\nline two\n' } },
    });
    await exports['wasi:cli/run'].run();
    ok(text(out).endsWith('GREETING=(unset)\nline one\nline two\n'), text(out));
  });

  it('keeps grants per instance: two instances in one process see only their own', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('c-cli'));
    const outs: Uint8Array[][] = [[], []];
    const a = await component.instantiate({ capabilities: { args: ['a'], env: { GREETING: 'A' }, stdio: { stdout: (b) => outs[0]!.push(b.slice()), stderr: null } } });
    const b = await component.instantiate({ capabilities: { args: ['b'], env: { GREETING: 'B' }, stdio: { stdout: (x) => outs[1]!.push(x.slice()), stderr: null } } });
    await b.exports['wasi:cli/run'].run();
    await a.exports['wasi:cli/run'].run();
    deepEqual([text(outs[0]!), text(outs[1]!)], ['hello from C\narg 0: a\nGREETING=A\n', 'hello from C\narg 0: b\nGREETING=B\n']);
  });

  it('runs a Rust command (hello_stdout, WASI 0.2.3) and a composition (utf8-utf16) with the platform host', async () => {
    const { loadComponent } = await platform();
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const hello = await (await loadComponent(await readConformance('hello_stdout'))).instantiate({
      capabilities: { stdio: { stdout: (b) => out.push(b.slice()), stderr: (b) => err.push(b.slice()) } },
    });
    equal(hello.exports['wasi:cli/run@0.2.3'].run(), undefined);
    equal(text(out), 'writing to stdout: hello, world\n');
    equal(text(err), 'writing to stderr: hello, world\n');

    const out2: Uint8Array[] = [];
    const composed = await (await loadComponent(await readConformance('utf8-utf16.composed'))).instantiate({
      capabilities: { args: ['prog', 'asdf中文🀄️⏰'], stdio: { stdout: (b) => out2.push(b.slice()), stderr: null } },
    });
    composed.exports['wasi:cli/run'].run();
    equal(text(out2), 'ret: asdf中文🀄️⏰asdf中文🀄️⏰\n');
  });

  it('withholds clocks and random when asked, with a CAPABILITY_DENIED error naming the grant', async () => {
    const { loadComponent } = await platform();
    const denied: string[] = [];
    const multi = await (await loadComponent(await readConformance('multi-version'))).instantiate({
      capabilities: { clocks: false, stdio: { stdout: null, stderr: null } },
      onCapabilityDenied: (e) => denied.push(e.message),
    });
    const e = await rejects(async () => multi.exports.test(), { code: 'CAPABILITY_DENIED' });
    ok(String((e as Error).message).includes('capabilities.clocks'), String((e as Error).message));
    equal(denied.length, 1);
  });
});
