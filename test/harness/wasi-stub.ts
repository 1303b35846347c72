/**
 * A minimal WASI 0.2 host for conformance guests that link WASI but call none of it in a passing
 * run (the README's WASI-C and WASI-Rust sets). Every function records its call; output streams
 * collect their bytes, so a failing guest's assertion text (written to stderr) shows up in the
 * test failure instead of disappearing.
 */

export interface StubWasi {
  imports: Record<string, unknown>;
  /** `<interface>#<function>` of every WASI call, in order */
  calls: string[];
  stdout(): string;
  stderr(): string;
}

export function stubWasi(): StubWasi {
  const calls: string[] = [];
  const out: Record<'stdout' | 'stderr' | 'stdin', number[]> = { stdout: [], stderr: [], stdin: [] };
  const rec = (name: string) => calls.push(name);

  class Error_ {
    toDebugString(): string {
      return 'stub error';
    }
  }
  class Pollable {
    ready(): boolean { rec('wasi:io/poll#[method]pollable.ready'); return true; }
    block(): void { rec('wasi:io/poll#[method]pollable.block'); }
  }
  class InputStream {
    constructor(readonly which: 'stdin') {}
    read(): Uint8Array { rec('wasi:io/streams#[method]input-stream.read'); throw { tag: 'closed' }; }
    blockingRead(): Uint8Array { rec('wasi:io/streams#[method]input-stream.blocking-read'); throw { tag: 'closed' }; }
    subscribe(): Pollable { return new Pollable(); }
  }
  class OutputStream {
    constructor(readonly which: 'stdout' | 'stderr') {}
    checkWrite(): bigint { rec('wasi:io/streams#[method]output-stream.check-write'); return 1n << 20n; }
    write(b: Uint8Array): void { rec('wasi:io/streams#[method]output-stream.write'); out[this.which].push(...b); }
    blockingWriteAndFlush(b: Uint8Array): void { rec('wasi:io/streams#[method]output-stream.blocking-write-and-flush'); out[this.which].push(...b); }
    flush(): void { rec('wasi:io/streams#[method]output-stream.flush'); }
    blockingFlush(): void { rec('wasi:io/streams#[method]output-stream.blocking-flush'); }
    subscribe(): Pollable { rec('wasi:io/streams#[method]output-stream.subscribe'); return new Pollable(); }
  }
  class Descriptor {
    writeViaStream(): never { rec('wasi:filesystem/types#[method]descriptor.write-via-stream'); throw 'unsupported'; }
    appendViaStream(): never { rec('wasi:filesystem/types#[method]descriptor.append-via-stream'); throw 'unsupported'; }
    getType(): never { rec('wasi:filesystem/types#[method]descriptor.get-type'); throw 'unsupported'; }
    getFlags(): never { rec('wasi:filesystem/types#[method]descriptor.get-flags'); throw 'unsupported'; }
    stat(): never { rec('wasi:filesystem/types#[method]descriptor.stat'); throw 'unsupported'; }
  }
  class DirectoryEntryStream {}
  class TerminalInput {}
  class TerminalOutput {}

  const imports: Record<string, unknown> = {
    'wasi:io/error': { Error: Error_ },
    'wasi:io/poll': { Pollable, poll: (list: Pollable[]) => { rec('wasi:io/poll#poll'); return new Uint32Array(list.map((_p, i) => i)); } },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:cli/stdin': { getStdin: () => { rec('wasi:cli/stdin#get-stdin'); return new InputStream('stdin'); } },
    'wasi:cli/stdout': { getStdout: () => { rec('wasi:cli/stdout#get-stdout'); return new OutputStream('stdout'); } },
    'wasi:cli/stderr': { getStderr: () => { rec('wasi:cli/stderr#get-stderr'); return new OutputStream('stderr'); } },
    'wasi:cli/environment': {
      getEnvironment: () => { rec('wasi:cli/environment#get-environment'); return []; },
      getArguments: () => { rec('wasi:cli/environment#get-arguments'); return []; },
      initialCwd: () => { rec('wasi:cli/environment#initial-cwd'); return undefined; },
    },
    'wasi:cli/exit': { exit: (status: unknown) => { rec('wasi:cli/exit#exit'); throw new globalThis.Error(`guest called exit(${JSON.stringify(status)})`); } },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => { rec('wasi:cli/terminal-stdin#get-terminal-stdin'); return undefined; } },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => { rec('wasi:cli/terminal-stdout#get-terminal-stdout'); return undefined; } },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => { rec('wasi:cli/terminal-stderr#get-terminal-stderr'); return undefined; } },
    'wasi:clocks/wall-clock': { now: () => ({ seconds: 0n, nanoseconds: 0 }), resolution: () => ({ seconds: 0n, nanoseconds: 1 }) },
    'wasi:clocks/monotonic-clock': { now: () => 0n, resolution: () => 1n, subscribeDuration: () => new Pollable(), subscribeInstant: () => new Pollable() },
    'wasi:filesystem/types': {
      Descriptor, DirectoryEntryStream,
      filesystemErrorCode: () => { rec('wasi:filesystem/types#filesystem-error-code'); return undefined; },
    },
    'wasi:filesystem/preopens': { getDirectories: () => { rec('wasi:filesystem/preopens#get-directories'); return []; } },
    'wasi:sockets/tcp': { TcpSocket: class TcpSocket {} },
    'wasi:sockets/udp': { UdpSocket: class UdpSocket {} },
  };
  const text = (b: number[]) => new TextDecoder().decode(new Uint8Array(b));
  return { imports, calls, stdout: () => text(out.stdout), stderr: () => text(out.stderr) };
}
