/**
 * Servers for the sockets suites, on 127.0.0.1 only: a TCP echo server and a UDP echo peer that
 * count what reached them, so a suite can show that a refused operation never did.
 */
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';

export interface EchoServer {
  readonly port: number;
  /** connections accepted so far */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP server that echoes every byte back, counting connections. */
export async function startEchoServer(): Promise<EchoServer> {
  let connections = 0;
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    connections++;
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface UdpPeer {
  readonly port: number;
  /** datagrams received, as text */
  readonly received: string[];
  /** sends `text` to 127.0.0.1:port */
  send(text: string, port: number): Promise<void>;
  /** resolves once `n` datagrams have arrived (or rejects after `ms`) */
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 that records what it receives and answers each datagram with `echo:` + it. */
export async function startUdpPeer(): Promise<UdpPeer> {
  const socket: UdpSocket = createSocket('udp4');
  const received: string[] = [];
  let waiters: (() => void)[] = [];
  socket.on('message', (msg, rinfo) => {
    received.push(msg.toString());
    socket.send(Buffer.concat([Buffer.from('echo:'), msg]), rinfo.port, rinfo.address);
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  return {
    port, received,
    send: (text, to) => new Promise<void>((resolve, reject) => socket.send(text, to, '127.0.0.1', (e) => (e ? reject(e) : resolve()))),
    waitFor: (n, ms = 2000) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} datagrams, got ${received.length}`)), ms);
      const check = (): void => {
        if (received.length >= n) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
