/**
 * Node's socket backend for `wasi:sockets`: TCP over node:net, UDP over node:dgram, name lookup
 * over node:dns. It does raw I/O only; the WASI state machines and the allow-list are in
 * src/core/host/wasi/sockets*.ts, which call it for allowed addresses only.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import type { SocketAddress } from '../core/host/socket-address.js';
import type { Datagram, SocketBackend, SocketErrorCode, TcpBinding, TcpConnection, UdpBinding } from '../core/host/socket-backend.js';
import { canonicalIp } from '../core/host/socket-policy.js';
import { type InputSource, type OutputTarget, closed, failed } from '../core/wasi/io.js';

/** bytes buffered from the peer before reading from the socket pauses (backpressure) */
const READ_HIGH_WATER = 256 * 1024;
/** datagrams held for the guest; more are dropped, as by a full OS receive buffer */
const MAX_QUEUED_DATAGRAMS = 1024;
/** what one check-write permits */
const WRITE_CAPACITY = 64 * 1024;

const ERRNO_CODES: Readonly<Record<string, SocketErrorCode>> = {
  EACCES: 'access-denied', EPERM: 'access-denied', ENOTSUP: 'not-supported', EOPNOTSUPP: 'not-supported', EAFNOSUPPORT: 'not-supported',
  EINVAL: 'invalid-argument', ENOMEM: 'out-of-memory', ENOBUFS: 'out-of-memory', ETIMEDOUT: 'timeout', EALREADY: 'concurrency-conflict',
  EAGAIN: 'would-block', EWOULDBLOCK: 'would-block', EBADF: 'invalid-state', ENOTCONN: 'invalid-state', EISCONN: 'invalid-state',
  EMFILE: 'new-socket-limit', ENFILE: 'new-socket-limit', EADDRNOTAVAIL: 'address-not-bindable', EADDRINUSE: 'address-in-use',
  EHOSTUNREACH: 'remote-unreachable', EHOSTDOWN: 'remote-unreachable', ENETUNREACH: 'remote-unreachable', ENETDOWN: 'remote-unreachable',
  ECONNREFUSED: 'connection-refused', ECONNRESET: 'connection-reset', EPIPE: 'connection-reset', ECONNABORTED: 'connection-aborted',
  EMSGSIZE: 'datagram-too-large',
  // node:dns
  ENOTFOUND: 'name-unresolvable', ENODATA: 'name-unresolvable', ENONAME: 'name-unresolvable', EAI_NONAME: 'name-unresolvable',
  EAI_AGAIN: 'temporary-resolver-failure', ESERVFAIL: 'temporary-resolver-failure', ETIMEOUT: 'temporary-resolver-failure',
  EREFUSED: 'temporary-resolver-failure', EAI_FAIL: 'permanent-resolver-failure',
};

/** The wasi:sockets error-code for a Node error. */
function codeOf(e: unknown): SocketErrorCode {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return (typeof code === 'string' ? ERRNO_CODES[code] : undefined) ?? 'unknown';
}

function addressOf(info: AddressInfo | string | null | undefined | object): SocketAddress {
  if (typeof info !== 'object' || info === null || !('address' in info)) throw 'invalid-state' satisfies SocketErrorCode;
  const a = info as AddressInfo;
  return { family: a.family === 'IPv6' ? 'ipv6' : 'ipv4', address: canonicalIp(a.address) ?? a.address, port: a.port };
}

/** Never resolves names: sockets connect to the IP addresses the allow-list checked. */
const noLookup: LookupFunction = (host, _options, cb) => {
  // node:net's lookup contract: an errno-style Error (never reaches the guest, which sees invalid-argument)
  cb(Object.assign(new Error(`isowasm sockets connect to IP addresses only, not ${host}`), { code: 'EINVAL' }), '');
};

/** Wakes everyone waiting for a change. */
class Signal {
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** The guest's side of a connected net.Socket: buffered reads with backpressure, writes, shutdown. */
function connectionOf(socket: Socket): TcpConnection {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let receiveShut = false;
  let sendShut = false;
  let error: SocketErrorCode | null = null;
  const readable = new Signal();
  const drained = new Signal();

  socket.on('data', (b: Buffer) => {
    if (receiveShut) return;
    chunks.push(b);
    buffered += b.length;
    if (buffered >= READ_HIGH_WATER) socket.pause();
    readable.wake();
  });
  socket.on('end', () => { ended = true; readable.wake(); });
  socket.on('error', (e) => { error ??= codeOf(e); readable.wake(); drained.wake(); });
  socket.on('close', () => { ended = true; readable.wake(); drained.wake(); });
  socket.on('drain', () => drained.wake());
  socket.resume();

  const input: InputSource = {
    read(max) {
      if (buffered > 0) {
        const out = new Uint8Array(Math.min(max, buffered));
        let n = 0;
        while (n < out.length) {
          const c = chunks[0]!;
          const take = Math.min(c.length, out.length - n);
          out.set(c.subarray(0, take), n);
          n += take;
          if (take === c.length) chunks.shift();
          else chunks[0] = c.subarray(take);
        }
        buffered -= n;
        if (buffered < READ_HIGH_WATER && socket.isPaused() && !receiveShut) socket.resume();
        return out;
      }
      if (receiveShut) return null;
      if (error !== null) throw failed(error);
      if (ended) return null;
      return new Uint8Array(0);
    },
    available: () => buffered > 0 || ended || receiveShut || error !== null,
    wait: () => (buffered > 0 || ended || receiveShut || error !== null ? Promise.resolve() : readable.wait()),
  };

  const output: OutputTarget = {
    write(bytes) {
      if (sendShut) throw closed();
      if (error !== null) throw failed(error);
      if (socket.destroyed) throw closed();
      // a copy: the bytes may be a view of guest memory
      socket.write(Buffer.from(bytes));
    },
    // what the OS has not taken yet counts against the room the guest is given (backpressure)
    capacity: () => Math.max(0, WRITE_CAPACITY - socket.writableLength),
    wait: () => (socket.writableLength < WRITE_CAPACITY || socket.destroyed || error !== null ? Promise.resolve() : drained.wait()),
    flush() {
      if (socket.writableLength === 0 || socket.destroyed) return error !== null ? Promise.reject(failed(error)) : undefined;
      return (async () => {
        while (socket.writableLength > 0 && !socket.destroyed && error === null) await drained.wait();
        if (error !== null) throw failed(error);
      })();
    },
  };

  return {
    input, output,
    localAddress: () => addressOf({ address: socket.localAddress, port: socket.localPort, family: socket.localFamily } as object),
    remoteAddress: () => addressOf({ address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily } as object),
    shutdown(how) {
      if (how !== 'send' && !receiveShut) {
        receiveShut = true;
        chunks.length = 0;
        buffered = 0;
        readable.wake();
      }
      if (how !== 'receive' && !sendShut) {
        sendShut = true;
        socket.end();
      }
    },
    setKeepAlive: (enabled, idleMs) => { socket.setKeepAlive(enabled, idleMs); },
    error: () => error,
    destroy: () => { socket.destroy(); },
  };
}

/**
 * node:net, node:dgram and node:dns, imported by the first socket call (every backend call is
 * asynchronous): importing them costs milliseconds most programs never need to spend.
 */
let modules: Promise<[typeof import('node:net'), typeof import('node:dgram'), typeof import('node:dns/promises')]> | null = null;
function nodeModules(): Promise<[typeof import('node:net'), typeof import('node:dgram'), typeof import('node:dns/promises')]> {
  return (modules ??= Promise.all([import('node:net'), import('node:dgram'), import('node:dns/promises')]));
}

async function tcpConnect(options: { remote: SocketAddress; local?: SocketAddress; keepAlive?: { enabled: boolean; idleMs: number } }): Promise<TcpConnection> {
  const [{ Socket }] = await nodeModules();
  return new Promise((resolve, reject) => {
    const socket = new Socket({ allowHalfOpen: true });
    const onError = (e: Error): void => {
      socket.destroy();
      reject(codeOf(e));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      if (options.keepAlive?.enabled) socket.setKeepAlive(true, options.keepAlive.idleMs);
      resolve(connectionOf(socket));
    });
    const { remote, local } = options;
    socket.connect({
      host: remote.address, port: remote.port, family: remote.family === 'ipv6' ? 6 : 4, lookup: noLookup,
      ...(local ? { localAddress: local.address, localPort: local.port } : {}),
    });
  });
}

async function tcpBind(options: { local: SocketAddress; backlog: number }): Promise<TcpBinding> {
  const [{ Server }] = await nodeModules();
  return new Promise((resolve, reject) => {
    const server = new Server({ pauseOnConnect: true, allowHalfOpen: true });
    const queue: Socket[] = [];
    const arrived = new Signal();
    let listening = false;
    let backlog = options.backlog;
    let failure: SocketErrorCode | null = null;
    server.on('connection', (socket: Socket) => {
      // the OS listens from bind on: connections before listen, or past the backlog, are refused
      if (!listening || queue.length >= backlog) {
        socket.destroy();
        return;
      }
      // an error before accept only closes that connection (accept never sees it)
      socket.on('error', () => {});
      queue.push(socket);
      arrived.wake();
    });
    const onBindError = (e: Error): void => {
      server.close();
      reject(codeOf(e));
    };
    server.once('error', onBindError);
    server.listen({ host: options.local.address, port: options.local.port, backlog: options.backlog, ipv6Only: options.local.family === 'ipv6', exclusive: true }, () => {
      server.off('error', onBindError);
      server.on('error', (e) => { failure ??= codeOf(e); arrived.wake(); });
      const address = addressOf(server.address());
      resolve({
        localAddress: () => address,
        listen(n) {
          backlog = n;
          listening = true;
        },
        accept() {
          if (failure !== null) throw failure;
          const socket = queue.shift();
          if (!socket) return null;
          return connectionOf(socket);
        },
        acceptReady: () => queue.length > 0 || failure !== null,
        waitAccept: () => (queue.length > 0 || failure !== null ? Promise.resolve() : arrived.wait()),
        close: () => new Promise<void>((done) => {
          for (const s of queue.splice(0)) s.destroy();
          // (node:net closes the listening descriptor at once; its callback waits for accepted connections)
          server.close();
          setImmediate(done);
        }),
      });
    });
  });
}

async function udpBind(options: { local: SocketAddress }): Promise<UdpBinding> {
  const [, { createSocket }] = await nodeModules();
  return new Promise((resolve, reject) => {
    const socket: UdpSocket = createSocket({ type: options.local.family === 'ipv6' ? 'udp6' : 'udp4', ipv6Only: options.local.family === 'ipv6' });
    const queue: Datagram[] = [];
    const arrived = new Signal();
    socket.on('message', (msg, rinfo) => {
      // like a full OS receive buffer: datagrams beyond it are dropped
      if (queue.length >= MAX_QUEUED_DATAGRAMS) return;
      queue.push({ data: new Uint8Array(msg), from: addressOf(rinfo) });
      arrived.wake();
    });
    const onBindError = (e: Error): void => {
      socket.close();
      reject(codeOf(e));
    };
    socket.once('error', onBindError);
    socket.bind({ address: options.local.address, port: options.local.port, exclusive: true }, () => {
      socket.off('error', onBindError);
      // a failed send is reported by the OS later: UDP delivery is best effort, so it is dropped
      socket.on('error', () => {});
      const bound = addressOf(socket.address());
      // the local address of the path to the associated peer (see connect)
      let pathLocal: SocketAddress | null = null;
      let inFlight = 0;
      let closing = false;
      resolve({
        localAddress: () => pathLocal ?? bound,
        // Node's dgram can't connect a connected socket again (Linux can, and a disconnect
        // there gives up a port the OS chose): the association is kept here (the WASI layer
        // sends to the peer and filters what arrives), and the OS is asked which local address
        // it would use for the peer, through a throwaway socket connected to it
        connect: async (remote) => {
          pathLocal = null;
          if (!isUnspecifiedText(bound.address)) return;
          const ip = await pathAddress(createSocket, remote);
          pathLocal = { ...bound, address: ip };
        },
        disconnect() {
          pathLocal = null;
        },
        send: (data, to) => new Promise<void>((done, fail) => {
          inFlight++;
          // a copy: the bytes may be a view of guest memory
          socket.send(Buffer.from(data), to.port, to.address, (e) => {
            if (--inFlight === 0 && closing) socket.close();
            if (e) fail(codeOf(e));
            else done();
          });
        }),
        receive: () => queue.shift() ?? null,
        receiveReady: () => queue.length > 0,
        waitReceive: () => (queue.length > 0 ? Promise.resolve() : arrived.wait()),
        // node:dgram drops a send whose address is still being looked up when the socket closes
        close: () => {
          if (closing) return;
          closing = true;
          if (inFlight === 0) socket.close();
        },
      });
    });
  });
}

function isUnspecifiedText(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The local IP address the OS picks for a path to `remote` (connecting a UDP socket sends nothing). */
function pathAddress(createSocket: typeof import('node:dgram').createSocket, remote: SocketAddress): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createSocket({ type: remote.family === 'ipv6' ? 'udp6' : 'udp4', ipv6Only: remote.family === 'ipv6' });
    // its errors come through connect's callback
    probe.on('error', () => {});
    probe.connect(remote.port, remote.address, (e?: Error) => {
      try {
        if (e) reject(codeOf(e));
        else resolve(addressOf(probe.address()).address);
      } catch (code) {
        reject(code);
      } finally {
        probe.close();
      }
    });
  });
}

async function lookup(name: string): Promise<string[]> {
  const [, , { lookup: dnsLookup }] = await nodeModules();
  try {
    const all = await dnsLookup(name, { all: true, order: 'verbatim' });
    return all.map((a) => a.address);
  } catch (e) {
    throw codeOf(e);
  }
}

/**
 * The socket backend for Node (node:net, node:dgram, node:dns).
 *
 * @example
 * ```ts
 * import { createNodeSocketBackend, nodeWasi } from 'isowasm/node';
 * const wasi = { ...nodeWasi, sockets: createNodeSocketBackend() }; // what nodeWasi has already
 * await component.instantiate({ wasi, capabilities: { sockets: { allow: ['127.0.0.1:5432'] } } });
 * ```
 */
export function createNodeSocketBackend(): SocketBackend {
  return { lookup, tcpConnect, tcpBind, udpBind };
}
