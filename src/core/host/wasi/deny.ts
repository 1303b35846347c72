/**
 * The interfaces of capabilities that were not granted: they link (any guest instantiates) and
 * refuse each call the way the interface reports a refusal, reporting the denial once.
 */
import type { IsowasmError } from '../../errors.js';
import { denialError } from '../denial.js';
import type { Capabilities, DenialReport } from '../capabilities.js';
import { deniedHttpNamespaces } from './http.js';
import { deniedSocketNamespaces } from './sockets.js';

type Report = (d: DenialReport) => void;

/**
 * A namespace that serves any member: PascalCase names as classes, the rest as functions; every
 * use reports the denial and throws what `refusal` returns (an interface error, or a trap).
 */
function denyNamespace(d: DenialReport, report: Report, refusal: () => unknown): Record<string, unknown> {
  const fail = (): never => {
    report(d);
    throw refusal();
  };
  const classes = new Map<string, unknown>();
  return new Proxy({}, {
    get(_t, key) {
      if (typeof key !== 'string') return undefined;
      if (/^[A-Z]/.test(key)) {
        let cls = classes.get(key);
        if (!cls) {
          cls = new Proxy(class {}, { construct: fail, get: (target, k) => (k === 'prototype' || k === 'name' ? Reflect.get(target, k) : fail) });
          classes.set(key, cls);
        }
        return cls;
      }
      return fail;
    },
    has: () => true,
  });
}

const trap = (d: DenialReport) => (): IsowasmError => denialError(d);

export function denyNamespaces(report: Report): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const deny = (capability: keyof Capabilities, iface: string, grant: string, refusal?: () => unknown): void => {
    const d: DenialReport = { capability, interface: iface, detail: 'the guest used it', grant };
    out[iface] = denyNamespace(d, report, refusal ?? trap(d));
  };
  // wasi:filesystem is always served by wasi/filesystem.ts: without preopens the guest sees none
  // wasi:http/types reach nothing by themselves (and serve incoming requests): only sending is refused
  Object.assign(out, deniedHttpNamespaces(report));
  // wasi:sockets link and refuse at the network's edge: bind, connect, send and lookup fail with access-denied
  Object.assign(out, deniedSocketNamespaces(report));
  return out;
}
