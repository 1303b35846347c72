/**
 * `createFetchHandler`'s instance policy and error handling, driven by handlers written in JS
 * against the host's wasi:http resource classes (the shape a guest's export has once lifted), so
 * every misbehaviour can be staged exactly: a trap, a response never set, an error-code set, a
 * status fetch can't carry, a body left unfinished or shorter than its content-length.
 */
import { createFetchHandler, type FetchHandler, type HttpComponent } from '../../src/core/http/index.js';
import { IsowasmError } from '../../src/core/errors.js';
import { Fields } from '../../src/core/wasi/http/fields.js';
import { type IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam } from '../../src/core/wasi/http/types.js';
import type { OutputStream } from '../../src/core/wasi/io.js';
import { deepEqual, equal, ok, rejects } from '../harness/assert.js';
import { describe, it } from '../harness/test-api.js';

type Handle = (req: IncomingRequest, out: ResponseOutparam, state: { count: number; options: Record<string, unknown> }) => void | Promise<void>;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A component whose instances run `handle`, each with its own state; counts instances made and ended. */
function fake(handle: Handle): HttpComponent & { made: number; ended: number } {
  const c = {
    made: 0,
    ended: 0,
    exports: [{ name: 'wasi:http/incoming-handler@0.2.10' }],
    async instantiate(options: Record<string, unknown>) {
      c.made++;
      const state = { count: 0, options };
      let poisoned = false;
      let ended = false;
      // terminating ends a call that waits on the host, as it does for a real instance
      let kill!: (e: unknown) => void;
      const killed = new Promise<never>((_, reject) => { kill = reject; });
      killed.catch(() => {});
      return {
        exports: {
          'wasi:http/incoming-handler': {
            async handle(req: IncomingRequest, out: ResponseOutparam) {
              if (poisoned) throw new IsowasmError('INSTANCE_POISONED', 'used after a trap');
              try {
                await Promise.race([handle(req, out, state), killed]);
              } catch (e) {
                poisoned = true;
                throw e;
              }
            },
          },
        },
        terminate: async () => {
          // terminate is idempotent, as a real instance's is: count an instance once
          if (ended) return;
          ended = true;
          c.ended++;
          kill(new IsowasmError('TRAP', 'the instance was terminated while the guest waited for the host'));
        },
      };
    },
  };
  return c;
}

function respond(out: ResponseOutparam, status: number, text: string | null, headers: [string, string][] = []): OutgoingBody | null {
  const res = new OutgoingResponse(Fields.fromList(headers.map(([k, v]) => [k, enc(v)])));
  res.setStatusCode(status);
  const body = text === null ? null : res.body();
  ResponseOutparam.set(out, { tag: 'ok', val: res });
  if (body && text) {
    const stream = body.write() as OutputStream;
    stream.write(enc(text));
    stream[Symbol.dispose]();
  }
  return body;
}

const counter: Handle = (_req, out, state) => {
  state.count++;
  const body = respond(out, 200, String(state.count));
  OutgoingBody.finish(body!, undefined);
};

async function collect(handle: FetchHandler, onError: IsowasmError[], path = '/'): Promise<[number, string]> {
  void onError;
  const res = await handle(new Request(`https://app.local${path}`));
  return [res.status, await res.text().catch((e: unknown) => `<error ${String(e)}>`)];
}

async function settled(handle: FetchHandler): Promise<void> {
  for (let i = 0; i < 100 && handle.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
}

describe('createFetchHandler: instance policy', () => {
  it('a fresh instance per request by default, each ended after its request', async () => {
    const c = fake(counter);
    const handle = createFetchHandler(c);
    const got = await Promise.all([1, 2, 3].map(() => handle(new Request('https://app.local/')).then((r) => r.text())));
    deepEqual(got, ['1', '1', '1']);
    await settled(handle);
    equal(c.made, 3);
    equal(c.ended, 3);
    equal(handle.instances, 0);
  });

  it('reuse: one instance serves requests in turn, then a new one; idle instances end after idleMs', async () => {
    const c = fake(counter);
    const handle = createFetchHandler(c, { instances: { reuse: 3, max: 1, idleMs: 50 } });
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await (await handle(new Request('https://app.local/'))).text());
    deepEqual(got, ['1', '2', '3', '1']);
    await settled(handle);
    equal(c.made, 2);
    equal(handle.instances, 1);
    await new Promise((r) => setTimeout(r, 120));
    equal(handle.instances, 0);
    equal(c.ended, 2);
    await handle.close();
  });

  it('warm: a fresh spare is made ahead, and the next request takes it instead of waiting', async () => {
    // how many instances existed when each request ran: the second must find the spare made, not make its own
    const madeWhenServed: number[] = [];
    const c = fake((req, out, state) => {
      madeWhenServed.push(c.made);
      counter(req, out, state);
    });
    const handle = createFetchHandler(c, { instances: { warm: 1 } });
    equal(c.made, 0, 'nothing is made before the first request');
    equal(await (await handle(new Request('https://app.local/'))).text(), '1');
    await settled(handle);
    for (let i = 0; i < 40 && handle.instances < 1; i++) await new Promise((r) => setTimeout(r, 5));
    equal(c.made, 2);
    equal(handle.instances, 1, 'the spare');
    equal(await (await handle(new Request('https://app.local/'))).text(), '1');
    deepEqual(madeWhenServed, [1, 2], 'the second request took the spare');
    await settled(handle);
    for (let i = 0; i < 40 && c.made < 3; i++) await new Promise((r) => setTimeout(r, 5));
    equal(c.made, 3, 'a new spare is made after the request');
    await handle.close();
    equal(handle.instances, 0);
    equal(c.ended, 3);
  });

  it('max: requests beyond it wait for an instance instead of making more', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const c = fake(async (_req, out, state) => {
      state.count++;
      const body = respond(out, 200, 'ok');
      await gate;
      OutgoingBody.finish(body!, undefined);
    });
    const handle = createFetchHandler(c, { instances: { reuse: Infinity, max: 2 } });
    const all = Promise.all([1, 2, 3, 4].map(async () => (await handle(new Request('https://app.local/'))).text()));
    await new Promise((r) => setTimeout(r, 20));
    equal(c.made, 2);
    equal(handle.inFlight, 4);
    release();
    deepEqual(await all, ['ok', 'ok', 'ok', 'ok']);
    equal(c.made, 2);
    await handle.close();
  });

  it('an instance that failed is never reused', async () => {
    const c = fake((req, out, state) => {
      state.count++;
      if (req.pathWithQuery() === '/trap') throw new IsowasmError('TRAP', 'guest trapped: unreachable');
      OutgoingBody.finish(respond(out, 200, String(state.count))!, undefined);
    });
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(c, { instances: { reuse: 100, max: 1 }, onError: (e) => { errors.push(e); } });
    deepEqual(await collect(handle, errors), [200, '1']);
    deepEqual(await collect(handle, errors), [200, '2']);
    deepEqual(await collect(handle, errors, '/trap'), [500, 'Internal Server Error\n']);
    deepEqual(await collect(handle, errors), [200, '1']);
    equal(errors.length, 1);
    equal(errors[0]!.code, 'TRAP');
    await handle.close();
  });

  it('rejects a policy it can\'t honour, and a component that serves no requests', () => {
    const c = fake(counter);
    let e: unknown;
    try { createFetchHandler(c, { instances: { concurrency: 4 } }); } catch (x) { e = x; }
    ok(e instanceof TypeError);
    e = undefined;
    try { createFetchHandler({ exports: [{ name: 'acme:x/y' }], instantiate: c.instantiate }); } catch (x) { e = x; }
    ok(e instanceof IsowasmError && e.code === 'LINK_ERROR', String(e));
  });
});

describe('createFetchHandler: a guest that misbehaves gets a 500, onError, and serving goes on', () => {
  const cases: [string, Handle, string | null][] = [
    ['a trap before the response', () => { throw new WebAssembly.RuntimeError('unreachable'); }, 'TRAP'],
    ['no response set (returns)', () => {}, 'BAD_RESPONSE'],
    ['the outparam dropped', (_r, out) => { out[Symbol.dispose](); }, 'BAD_RESPONSE'],
    ['an error-code set', (_r, out) => { ResponseOutparam.set(out, { tag: 'err', val: { tag: 'internal-error', val: 'no' } }); }, 'BAD_RESPONSE'],
    ['a 1xx status', (_r, out) => { respond(out, 103, null); }, 'BAD_RESPONSE'],
  ];
  for (const [name, h, code] of cases) {
    it(name, async () => {
      const errors: IsowasmError[] = [];
      const requests: Request[] = [];
      const handle = createFetchHandler(fake(h), { onError: (e, r) => { errors.push(e); requests.push(r); } });
      const res = await handle(new Request('https://app.local/x'));
      equal(res.status, 500);
      equal(await res.text(), 'Internal Server Error\n');
      await settled(handle);
      equal(errors.length, 1, errors.map((e) => e.message).join('; '));
      ok(errors[0] instanceof IsowasmError);
      equal(errors[0]!.code, code);
      equal(requests[0]!.url, 'https://app.local/x');
      equal(handle.inFlight, 0);
      await handle.close();
    });
  }

  it('a body left unfinished or shorter than its content-length is a 500 when that is known before the head goes, never a short body', async () => {
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(fake((req, out) => {
      const body = respond(out, 200, 'abc', [['content-length', '10']]);
      if (req.pathWithQuery() === '/short') OutgoingBody.finish(body!, undefined);
    }), { onError: (e) => { errors.push(e); } });
    // finished short: the body failed before its first byte went out, so the head is a clean 500
    const short = await handle(new Request('https://app.local/short'));
    equal(short.status, 500);
    equal(await short.text(), 'Internal Server Error\n');
    // left unfinished after 'abc' as the guest returned: a clean 500 when the return is seen before
    // the head goes, else the head goes with 'abc' and the body ends in an error; never a short body
    const unfinished = await handle(new Request('https://app.local/unfinished'));
    if (unfinished.status === 200) await rejects(unfinished.text());
    else equal(unfinished.status, 500);
    await settled(handle);
    // one report each: the short body, and the body left unfinished
    equal(errors.length, 2, errors.map((e) => e.message).join('; '));
    ok(errors.some((e) => /without finishing the response body/.test(e.message)), errors.map((e) => e.message).join('; '));
    await handle.close();
  });

  it('a trap after the response started: the body errors, onError hears it', async () => {
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(fake(async (_req, out) => {
      respond(out, 200, 'partial');
      // the head goes with the first bytes; the trap comes after it
      await new Promise((r) => setTimeout(r, 20));
      throw new IsowasmError('TRAP', 'guest trapped: late');
    }), { onError: (e) => { errors.push(e); } });
    const res = await handle(new Request('https://app.local/'));
    equal(res.status, 200);
    await rejects(res.text());
    await settled(handle);
    equal(errors[0]?.code, 'TRAP');
    await handle.close();
  });

  it('close() waits for the requests in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const handle = createFetchHandler(fake(async (_req, out) => {
      const body = respond(out, 200, 'x');
      await gate;
      OutgoingBody.finish(body!, undefined);
    }));
    const res = await handle(new Request('https://app.local/'));
    let closed = false;
    const closing = handle.close().then(() => { closed = true; });
    await new Promise((r) => setTimeout(r, 20));
    equal(closed, false);
    equal((await handle(new Request('https://app.local/'))).status, 503);
    release();
    equal(await res.text(), 'x');
    await closing;
    equal(closed, true);
  });
});

describe('createFetchHandler: limits and upstream failures', () => {
  it('a guest that sets a response and fails before its first byte: a clean 500, not a head whose body breaks', async () => {
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(fake((_req, out) => {
      respond(out, 200, '');
      throw new IsowasmError('TRAP', 'guest trapped: early');
    }), { onError: (e) => { errors.push(e); } });
    const res = await handle(new Request('https://app.local/'));
    equal(res.status, 500);
    await settled(handle);
    equal(errors[0]?.code, 'TRAP');
    equal(errors.length, 1);
    await handle.close();
  });

  it('limits.timeoutMs: a guest that never answers gets 504 and its instance terminated; one mid-body gets a broken body', async () => {
    const errors: IsowasmError[] = [];
    const c = fake(async (req, out) => {
      if (req.pathWithQuery() === '/mid') respond(out, 200, 'partial');
      // waits for the host forever, as a guest suspended in an import that never settles
      await new Promise(() => {});
    });
    const handle = createFetchHandler(c, { limits: { timeoutMs: 100 }, onError: (e) => { errors.push(e); } });
    const t0 = performance.now();
    const res = await handle(new Request('https://app.local/'));
    ok(performance.now() - t0 >= 90, 'not before the deadline');
    equal(res.status, 504);
    const mid = await handle(new Request('https://app.local/mid'));
    equal(mid.status, 200);
    await rejects(mid.text());
    deepEqual(errors.map((e) => e.code), ['TIMEOUT', 'TIMEOUT']);
    equal(c.ended, 2, 'both instances were terminated');
    await handle.close();
  });

  it('502 when the guest fails after its own outgoing request failed (onOutgoingError), 500 otherwise', async () => {
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(fake((req, _out, state) => {
      if (req.pathWithQuery() === '/upstream') {
        (state.options.onOutgoingError as (e: IsowasmError) => void)(new IsowasmError('UPSTREAM_FAILED', 'the guest\'s GET request to https://api.example.com/ failed (connection-refused): refused'));
      }
      throw new IsowasmError('TRAP', 'guest trapped: no answer');
    }), { onError: (e) => { errors.push(e); } });
    equal((await handle(new Request('https://app.local/upstream'))).status, 502);
    equal((await handle(new Request('https://app.local/other'))).status, 500);
    deepEqual(errors.map((e) => e.code), ['UPSTREAM_FAILED', 'TRAP']);
    ok(/guest trapped: no answer, after the guest's GET request to https:\/\/api\.example\.com\/ failed/.test(errors[0]!.message), errors[0]!.message);
    await handle.close();
  });

  it('maxResponseBodyBytes: a declared content-length over it, or bytes past it before the head, are a 500 (http-limits covers a body cut mid-way)', async () => {
    const errors: IsowasmError[] = [];
    const handle = createFetchHandler(fake((req, out) => {
      const declared = req.pathWithQuery() === '/declared';
      respond(out, 200, 'x'.repeat(declared ? 4 : 128), declared ? [['content-length', '200']] : []);
    }), { maxResponseBodyBytes: 100, onError: (e) => { errors.push(e); } });
    equal((await handle(new Request('https://app.local/declared'))).status, 500);
    // written before the head went out: still a clean 500
    equal((await handle(new Request('https://app.local/written'))).status, 500);
    await settled(handle);
    equal(errors.filter((e) => e.code === 'BODY_TOO_LARGE').length, 2, errors.map((e) => `${e.code} ${e.message}`).join('; '));
    await handle.close();
  });
});

