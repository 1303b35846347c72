/**
 * What a platform provides for `wasi:sockets`: the raw network operations, nothing more. The WASI
 * state machines, argument checks and the allow-list live in `wasi/sockets*.ts`, which only call a
 * backend for addresses the policy allowed. Node's backend is `createNodeSocketBackend()` over
 * node:net, node:dgram and node:dns; browsers have none (sockets are Node only).
 *
 * Operations that take time return promises; what a guest polls (reads, accepts, datagrams) is
 * exposed as "is it ready now" plus "a promise for when it may be". A backend fails operations by
 * rejecting (or throwing) with a `wasi:sockets/network` error-code string such as
 * `'connection-refused'`.
 */
import type { InputSource, OutputTarget } from './streams.js';
import type { SocketAddress } from './socket-address.js';

/** A `wasi:sockets/network` error-code. */
export type SocketErrorCode =
  | 'unknown' | 'access-denied' | 'not-supported' | 'invalid-argument' | 'out-of-memory' | 'timeout' | 'concurrency-conflict'
  | 'not-in-progress' | 'would-block' | 'invalid-state' | 'new-socket-limit' | 'address-not-bindable' | 'address-in-use'
  | 'remote-unreachable' | 'connection-refused' | 'connection-reset' | 'connection-aborted' | 'datagram-too-large'
  | 'name-unresolvable' | 'temporary-resolver-failure' | 'permanent-resolver-failure';

/** An established TCP connection (connected by us, or accepted). */
export interface TcpConnection {
  /** what the guest's input-stream reads (null from `read`: the peer finished sending) */
  readonly input: InputSource;
  /** what the guest's output-stream writes */
  readonly output: OutputTarget;
  localAddress(): SocketAddress;
  remoteAddress(): SocketAddress;
  /** stops receiving (buffered and later data is discarded) and/or sends FIN */
  shutdown(how: 'receive' | 'send' | 'both'): void;
  setKeepAlive(enabled: boolean, idleMs: number): void;
  /** the error the connection failed with, once it has (null while it has not) */
  error?(): SocketErrorCode | null;
  /** closes the connection at once */
  destroy(): void;
}

/**
 * A bound TCP address. Binding reserves the address (the OS listens already, so the port is
 * known); connections that arrive before `listen` are refused.
 */
export interface TcpBinding {
  localAddress(): SocketAddress;
  /** starts queueing incoming connections for `accept` */
  listen(backlog: number): void;
  /** the next queued connection, or null; throws an error-code if accepting failed */
  accept(): TcpConnection | null;
  /** whether `accept` would return a connection (or an error) now */
  acceptReady(): boolean;
  /** resolves when a connection may be waiting */
  waitAccept(): Promise<void>;
  /** releases the address (before connecting from it, or when the socket is dropped) */
  close(): Promise<void>;
}

/** One received datagram. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly from: SocketAddress;
}

/** A bound UDP socket. */
export interface UdpBinding {
  /** the address bound to (while associated with a peer, the one the OS picks for the path to it) */
  localAddress(): SocketAddress;
  /**
   * Associates the socket with one peer (again, or with another): its local address becomes the
   * one the OS picks for the path to the peer. Sending to the peer and receiving from it only is
   * the WASI layer's. Rejects with an error-code (e.g. `remote-unreachable`: no route).
   */
  connect?(remote: SocketAddress): Promise<void>;
  /** dissociates the socket from its peer */
  disconnect?(): void;
  /**
   * Sends a datagram; a promise resolves once the OS has it (rejects with an error-code, e.g.
   * `datagram-too-large`). `close` lets the sends in flight finish first.
   */
  send(data: Uint8Array, to: SocketAddress): void | Promise<void>;
  /** the next received datagram, or null */
  receive(): Datagram | null;
  receiveReady(): boolean;
  waitReceive(): Promise<void>;
  close(): void;
}

/** The raw network operations a platform provides for `wasi:sockets`. */
export interface SocketBackend {
  /** the IP addresses of a DNS name (canonical text), in connection-preference order */
  lookup(name: string): Promise<string[]>;
  tcpConnect(options: { remote: SocketAddress; local?: SocketAddress; keepAlive?: { enabled: boolean; idleMs: number } }): Promise<TcpConnection>;
  tcpBind(options: { local: SocketAddress; backlog: number }): Promise<TcpBinding>;
  udpBind(options: { local: SocketAddress }): Promise<UdpBinding>;
}
