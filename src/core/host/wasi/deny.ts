/**
 * The interfaces of capabilities that were not granted: they link (any guest instantiates) and
 * refuse each call the way the interface reports a refusal, reporting the denial once.
 */
import { IsowasmError } from '../../errors.js';
import type { Capabilities, DenialReport } from '../capabilities.js';

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

const trap = (d: DenialReport) => (): IsowasmError => new IsowasmError('CAPABILITY_DENIED', `${d.interface}: ${d.detail} (the ${String(d.capability)} capability was not granted; grant it with ${d.grant})`, { details: d });

export function denyNamespaces(report: Report): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const deny = (capability: keyof Capabilities, iface: string, grant: string, refusal?: () => unknown): void => {
    const d: DenialReport = { capability, interface: iface, detail: 'the guest used it', grant };
    out[iface] = denyNamespace(d, report, refusal ?? trap(d));
  };
  // no preopens: the guest sees no filesystem at all
  out['wasi:filesystem/preopens'] = { getDirectories: () => [] };
  deny('fs', 'wasi:filesystem/types', 'capabilities.fs = { preopens: { "/data": ... } }');
  deny('http', 'wasi:http/types', 'capabilities.http = { allow: ["https://..."] }');
  const http: DenialReport = { capability: 'http', interface: 'wasi:http/outgoing-handler', detail: 'the guest sent an HTTP request', grant: 'capabilities.http = { allow: ["https://..."] }' };
  out['wasi:http/outgoing-handler'] = {
    handle: () => {
      report(http);
      throw { tag: 'HTTP-request-denied' };
    },
  };
  const sockets = (iface: string): void => deny('sockets', iface, 'capabilities.sockets = { allow: ["host:port"] }', () => 'access-denied');
  for (const i of ['network', 'instance-network', 'tcp', 'tcp-create-socket', 'udp', 'udp-create-socket', 'ip-name-lookup']) sockets(`wasi:sockets/${i}`);
  return out;
}
