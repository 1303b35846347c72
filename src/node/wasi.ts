/**
 * The Node WASI platform: preview2-shim's Node implementation, isolated per instance where the
 * shim allows (preopens, network), with stdio streams of our own that subclass the shim's
 * classes so they interoperate with its other streams and pollables.
 */
import { poll as shimPoll, streams } from '@bytecodealliance/preview2-shim/io';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { IsowasmError } from '../core/errors.js';
import type { InputSource, OutputSink } from '../core/host/capabilities.js';
import type { WasiPlatform } from '../core/host/wasi-host.js';

type Ctor = new () => object;
const OutputStreamBase = (streams as unknown as { OutputStream: Ctor }).OutputStream;
const InputStreamBase = (streams as unknown as { InputStream: Ctor }).InputStream;
const PollableBase = (shimPoll as unknown as { Pollable: Ctor }).Pollable;
const shimPollList = (shimPoll as unknown as { poll: (list: object[]) => Uint32Array }).poll;

/** A pollable that is always ready: sinks and in-memory sources never block. */
class ReadyPollable extends PollableBase {
  ready(): boolean {
    return true;
  }
  block(): void {}
  [Symbol.dispose](): void {}
}

class SinkStream extends OutputStreamBase {
  readonly #sink: OutputSink;
  constructor(sink: OutputSink) {
    super();
    this.#sink = sink;
  }
  checkWrite(): bigint {
    return 1n << 20n;
  }
  write(bytes: Uint8Array): void {
    this.#sink(bytes);
  }
  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.#sink(bytes);
  }
  flush(): void {}
  blockingFlush(): void {}
  writeZeroes(n: bigint): void {
    this.#sink(new Uint8Array(Number(n)));
  }
  blockingWriteZeroesAndFlush(n: bigint): void {
    this.#sink(new Uint8Array(Number(n)));
  }
  splice(src: { read(n: bigint): Uint8Array }, n: bigint): bigint {
    const data = src.read(n);
    this.#sink(data);
    return BigInt(data.length);
  }
  blockingSplice(src: { blockingRead(n: bigint): Uint8Array }, n: bigint): bigint {
    const data = src.blockingRead(n);
    this.#sink(data);
    return BigInt(data.length);
  }
  subscribe(): object {
    return new ReadyPollable();
  }
  [Symbol.dispose](): void {}
}

/** Reads from a fixed buffer or a callback; at the end, reads fail as a closed stream. */
export function sourceReader(source: InputSource | null): (n: bigint) => Uint8Array {
  if (source === null) {
    return () => {
      throw { tag: 'closed' };
    };
  }
  if (typeof source === 'function') {
    let pending: Uint8Array | null = new Uint8Array(0);
    return (n) => {
      if (pending === null) throw { tag: 'closed' };
      if (pending.length === 0) pending = source();
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

class SourceStream extends InputStreamBase {
  readonly #read: (n: bigint) => Uint8Array;
  constructor(source: InputSource | null) {
    super();
    this.#read = sourceReader(source);
  }
  read(n: bigint): Uint8Array {
    return this.#read(n);
  }
  blockingRead(n: bigint): Uint8Array {
    return this.#read(n);
  }
  skip(n: bigint): bigint {
    return BigInt(this.#read(n).length);
  }
  blockingSkip(n: bigint): bigint {
    return BigInt(this.#read(n).length);
  }
  subscribe(): object {
    return new ReadyPollable();
  }
  [Symbol.dispose](): void {}
}

/** `wasi:io/poll#poll` that knows our always-ready pollables and leaves the rest to the shim. */
function pollList(list: object[]): Uint32Array {
  const ready: number[] = [];
  list.forEach((p, i) => {
    if (p instanceof ReadyPollable) ready.push(i);
  });
  if (ready.length > 0) return new Uint32Array(ready);
  return shimPollList(list);
}

export const nodeWasi: WasiPlatform = {
  name: 'node',
  namespaces({ preopens }) {
    const hostPreopens: Record<string, string> = {};
    for (const [guest, grant] of Object.entries(preopens)) {
      if (typeof grant.volume !== 'string') {
        throw new IsowasmError('UNSUPPORTED', `preopen ${guest}: in Node a volume is a host directory path (a string)`);
      }
      hostPreopens[guest] = grant.volume;
    }
    const shim = new WASIShim({ sandbox: { preopens: hostPreopens, env: {}, args: [], enableNetwork: false } });
    const ns = shim.getImportObject() as Record<string, unknown>;
    ns['wasi:io/poll'] = { Pollable: PollableBase, poll: pollList };
    return ns;
  },
  outputStream: (sink) => new SinkStream(sink),
  inputStream: (source) => new SourceStream(source),
  defaultStdout: (bytes) => { process.stdout.write(bytes); },
  defaultStderr: (bytes) => { process.stderr.write(bytes); },
};
