/**
 * The interfaces of capabilities that were not granted: they link (any guest instantiates) and
 * refuse each call the way the interface reports a refusal, reporting the denial once.
 * wasi:filesystem needs nothing here: without preopens the guest sees no directory at all.
 */
import type { DenialReport } from '../host/capabilities.js';
import { deniedHttpNamespaces } from './http/index.js';
import { deniedSocketNamespaces } from './sockets/index.js';

export function denyNamespaces(report: (d: DenialReport) => void): Record<string, unknown> {
  return {
    // wasi:http/types reach nothing by themselves (and serve incoming requests): only sending is refused
    ...deniedHttpNamespaces(report),
    // wasi:sockets link and refuse at the network's edge: bind, connect, send and lookup fail with access-denied
    ...deniedSocketNamespaces(report),
  };
}
