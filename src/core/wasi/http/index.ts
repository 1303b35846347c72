/**
 * `wasi:http/types` and `wasi:http/outgoing-handler` served through a fetch adapter, with the
 * capability's origin allow-list enforced before any connection. The types are the same classes
 * for every instance (a resource must be an instance of the class its interface declares) and
 * hold no capability themselves: only `handle` reaches the network.
 */
import type { DenialReport } from '../../host/capabilities.js';
import { HttpFailure, httpErrorCode } from './errors.js';
import { Fields, forbiddingFields } from './fields.js';
import { grantFor, outgoingHandler, requestUrl } from './outgoing.js';
import type { FetchAdapter } from '../../host/platform.js';
import { HttpAllowList } from '../../host/http-policy.js';
import {
  FutureIncomingResponse, FutureTrailers, IncomingBody, IncomingRequest, IncomingResponse, OutgoingBody, OutgoingRequest,
  OutgoingResponse, RequestOptions, ResponseOutparam, outgoingRequestParts,
} from './types.js';
import type { HostContext } from '../context.js';

/** The outgoing-HTTP grant: origins like `https://api.example.com`, `https://*.example.com`, `http://127.0.0.1:8080`. */
export interface HttpGrant {
  readonly allow: readonly string[];
  /** header names a guest may not set (beyond the hop-by-hop ones) */
  readonly forbiddenHeaders?: readonly string[];
}

/**
 * The `wasi:http/types` namespace (both the outgoing and the incoming side).
 *
 * @example
 * ```ts
 * const types = httpTypesNamespace();
 * const req = new types.OutgoingRequest(types.Fields.fromList([]));
 * ```
 */
export function httpTypesNamespace(fields: typeof Fields = Fields): {
  Fields: typeof Fields; RequestOptions: typeof RequestOptions; OutgoingRequest: typeof OutgoingRequest; OutgoingBody: typeof OutgoingBody;
  OutgoingResponse: typeof OutgoingResponse; IncomingRequest: typeof IncomingRequest; IncomingResponse: typeof IncomingResponse;
  IncomingBody: typeof IncomingBody; FutureTrailers: typeof FutureTrailers; FutureIncomingResponse: typeof FutureIncomingResponse;
  ResponseOutparam: typeof ResponseOutparam; httpErrorCode: typeof httpErrorCode;
} {
  return {
    Fields: fields, RequestOptions, OutgoingRequest, OutgoingBody, OutgoingResponse, IncomingRequest, IncomingResponse, IncomingBody,
    FutureTrailers, FutureIncomingResponse, ResponseOutparam, httpErrorCode,
  };
}

/**
 * The allow-list of an HTTP grant, which both versions of wasi:http check requests against (made
 * once per instance). Throws a TypeError for a malformed grant or a fetch adapter that is not a
 * function.
 *
 * @example
 * ```ts
 * const policy = httpPolicy({ allow: ['https://api.example.com'] }, fetch);
 * policy.allows('https://api.example.com/notes'); // true
 * ```
 */
export function httpPolicy(grant: HttpGrant, fetch: FetchAdapter): HttpAllowList {
  if (typeof grant !== 'object' || grant === null || !Array.isArray(grant.allow)) {
    throw new TypeError('capabilities.http must be { allow: [origins] }, e.g. { allow: [\'https://api.example.com\'] }');
  }
  if (typeof fetch !== 'function') throw new TypeError('the platform\'s fetch adapter must be a function');
  return new HttpAllowList(grant.allow);
}

/**
 * The HTTP namespaces for an instance granted outgoing HTTP: requests go through `fetch` to the
 * allowed origins only (`policy`: the grant's allow-list, when the caller made it already).
 * Throws a TypeError for a malformed grant.
 *
 * @example
 * ```ts
 * const ns = httpNamespaces({ allow: ['https://api.example.com'] }, ctx, fetch);
 * ns['wasi:http/outgoing-handler'].handle(request, undefined);
 * ```
 */
export function httpNamespaces(grant: HttpGrant, ctx: HostContext, fetch: FetchAdapter, policy: HttpAllowList = httpPolicy(grant, fetch)): Record<string, unknown> {
  return {
    'wasi:http/types': httpTypesNamespace(forbiddingFields(Fields, grant.forbiddenHeaders ?? [])),
    'wasi:http/outgoing-handler': { handle: outgoingHandler({ policy, fetch, report: ctx.report, async: ctx.async, ...(ctx.onHttpFailure ? { onFailure: ctx.onHttpFailure } : {}) }) },
  };
}

/**
 * The HTTP namespaces for an instance without the HTTP grant: the types work (they reach
 * nothing), and every request fails with `HTTP-request-denied` and is reported with the grant
 * that would allow its origin.
 *
 * @example
 * ```ts
 * Object.assign(imports, deniedHttpNamespaces((d) => console.warn(d.detail)));
 * ```
 */
export function deniedHttpNamespaces(report: (d: DenialReport) => void): Record<string, unknown> {
  return {
    'wasi:http/types': httpTypesNamespace(),
    'wasi:http/outgoing-handler': {
      handle(request: OutgoingRequest): never {
        let origin: string | null = null;
        try {
          origin = requestUrl(outgoingRequestParts(request)).origin;
        } catch {
          // not even a URL: the report names no origin
        }
        report({
          capability: 'http', interface: 'wasi:http/outgoing-handler',
          detail: `the guest sent an HTTP request${origin ? ` to ${origin}` : ''}, and outgoing HTTP was not granted`,
          grant: origin && origin !== 'null' ? grantFor(origin, null) : 'capabilities.http = { allow: [\'https://...\'] }',
        });
        outgoingRequestParts(request).body?.fail(new HttpFailure({ tag: 'HTTP-request-denied' }, 'outgoing HTTP was not granted'));
        throw { tag: 'HTTP-request-denied' };
      },
    },
  };
}
