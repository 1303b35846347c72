/**
 * The browser WASI platform: preview2-shim's browser implementation, isolated per instance
 * (its `createCli`-style handlers and `browserFilesystem` adapters), with stdio streams made by
 * the shim's own stream factory so they interoperate with its pollables.
 */
import { inputStreamCreate, outputStreamCreate, pollableCreate } from '@bytecodealliance/preview2-shim/io';
import { InMemoryFilesystemAdapter } from '@bytecodealliance/preview2-shim/filesystem';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { IsowasmError } from '../core/errors.js';
import type { InputSource, OutputSink } from '../core/host/capabilities.js';
import type { WasiPlatform } from '../core/host/wasi-host.js';
import { isMemoryVolume, type MemoryVolume } from './volumes.js';

type StreamFactory = (handler: object) => object;
const createOutput = outputStreamCreate as unknown as StreamFactory;
const createInput = inputStreamCreate as unknown as StreamFactory;
const createPollable = pollableCreate as unknown as (source?: object) => object;

function reader(source: InputSource | null): (n: bigint) => Uint8Array {
  if (source === null) return () => { throw { tag: 'closed' }; };
  if (typeof source === 'function') {
    let pending: Uint8Array | null = new Uint8Array(0);
    return (n) => {
      if (pending !== null && pending.length === 0) pending = source();
      if (pending === null) throw { tag: 'closed' };
      const take = pending.subarray(0, Number(n));
      pending = pending.subarray(take.length);
      return take;
    };
  }
  let rest = typeof source === 'string' ? new TextEncoder().encode(source) : source;
  return (n) => {
    if (rest.length === 0) throw { tag: 'closed' };
    const take = rest.slice(0, Number(n));
    rest = rest.subarray(take.length);
    return take;
  };
}

/** Writes whole lines to a console function, keeping a partial last line until more arrives. */
function consoleSink(log: (line: string) => void): OutputSink {
  const decoder = new TextDecoder();
  let pending = '';
  return (bytes) => {
    pending += decoder.decode(bytes, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) log(l);
  };
}

export const browserWasi: WasiPlatform = {
  name: 'browser',
  namespaces({ preopens }) {
    const memory: Record<string, MemoryVolume['root']> = {};
    for (const [guest, grant] of Object.entries(preopens)) {
      if (!isMemoryVolume(grant.volume)) {
        throw new IsowasmError('UNSUPPORTED', `preopen ${guest}: in a browser a volume is a memory or IndexedDB volume (createMemoryVolume(), createIndexedDbVolume()), not ${typeof grant.volume === 'string' ? 'a host path' : 'this object'}`);
      }
      memory[guest] = grant.volume.root;
    }
    const config: Record<string, unknown> = { sandbox: { env: {}, args: [], enableNetwork: false } };
    if (Object.keys(memory).length > 0) {
      config.browserFilesystem = { adapter: new InMemoryFilesystemAdapter(), preopens: memory };
    }
    const shim = new WASIShim(config);
    return shim.getImportObject() as Record<string, unknown>;
  },
  outputStream(sink) {
    return createOutput({
      write: (b: Uint8Array) => sink(b),
      blockingWriteAndFlush: (b: Uint8Array) => sink(b),
      checkWrite: () => 1n << 20n,
      flush() {},
      blockingFlush() {},
      subscribe: () => createPollable(),
    });
  },
  inputStream(source) {
    const read = reader(source);
    return createInput({ read, blockingRead: read, subscribe: () => createPollable() });
  },
  defaultStdout: consoleSink((l) => console.log(l)),
  defaultStderr: consoleSink((l) => console.error(l)),
};
