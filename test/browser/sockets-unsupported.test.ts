/**
 * wasi:sockets in Chromium: sockets are Node only, so granting them is refused with a clear
 * UNSUPPORTED error; without the grant the same guest links and is refused with `access-denied`
 * like everywhere else.
 */
import type { IsowasmError } from '../../src/core/errors.js';
import { equal, ok, rejects } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { before, describe, it } from '../harness/test-api.js';

interface Guest { echo(a: number, b: number, c: number, d: number, port: number, msg: string): string }

let component: { instantiate(o: object): Promise<{ exports: Record<string, unknown> }> };

before(async () => {
  const { loadComponent } = await platform();
  component = await loadComponent(await readFixture('sockets-guest'));
});

describe('wasi:sockets in a browser', () => {
  it('refuses a sockets grant with UNSUPPORTED, saying sockets are Node only', async () => {
    const e = await rejects(component.instantiate({ capabilities: { sockets: { allow: ['127.0.0.1:8080'] } } }), { code: 'UNSUPPORTED' });
    ok(/Node only/.test((e as Error).message), (e as Error).message);
    ok((e as Error).message.includes('capabilities.sockets'), (e as Error).message);
  });

  it('links the guest without the grant and refuses its connect with access-denied', async () => {
    const denied: IsowasmError[] = [];
    const { exports } = await component.instantiate({ onCapabilityDenied: (e: IsowasmError) => denied.push(e) });
    let payload: unknown = null;
    try {
      (exports as unknown as Guest).echo(127, 0, 0, 1, 8080, 'x');
    } catch (e) {
      payload = (e as { payload?: unknown }).payload;
    }
    equal(payload, 'access-denied');
    equal(denied.length, 1);
    equal(denied[0]!.code, 'CAPABILITY_DENIED');
    ok(denied[0]!.message.includes('capabilities.sockets'), denied[0]!.message);
  });
});
