/**
 * `wasi:http/types` and `wasi:http/outgoing-handler` served through a fetch adapter, with the
 * capability's origin allow-list enforced before any connection.
 */
import { IsowasmError } from '../../errors.js';
import type { HostContext } from '../wasi-host.js';

/** What serves outgoing requests: `fetch` or anything with its signature. */
export type FetchAdapter = (request: Request) => Promise<Response>;

export interface HttpGrant {
  readonly allow: readonly string[];
}

export function httpNamespaces(_grant: HttpGrant, _ctx: HostContext, _fetch: FetchAdapter): Record<string, unknown> {
  throw new IsowasmError('UNSUPPORTED', 'outgoing HTTP is not implemented yet');
}
