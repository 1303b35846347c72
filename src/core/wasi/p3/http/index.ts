/**
 * `wasi:http@0.3.0` for one instance: `types` (fields, request, response, request-options: the
 * same classes for every instance, holding no capability) and `client` (`send`, through the
 * platform's fetch adapter to the origins `capabilities.http` allows; without the grant every
 * request fails with `HTTP-request-denied`, as in 0.2). A `handler` export is served by
 * `createFetchHandler`, like a 0.2 `incoming-handler`.
 */
import type { FetchAdapter } from '../../../host/platform.js';
import type { HttpAllowList } from '../../../host/http-policy.js';
import type { HostContext } from '../../context.js';
import { forbiddingFields } from '../../http/fields.js';
import { type HttpGrant, httpPolicy } from '../../http/index.js';
import { clientSend, deniedSend } from './client.js';
import { Fields } from './fields.js';
import { Request, RequestOptions, Response } from './types.js';

export { Fields, type HeaderError } from './fields.js';
export {
  Request, RequestOptions, Response, newIncomingRequest, newResponse, requestPartsOf, responsePartsOf, takeRequestBody, takeResponseBody,
  type RequestParts, type TakenBody, type TrailersResult, type Transmission,
} from './types.js';
export { emptyBody, watchBody } from './bodies.js';

/** The versioned keys of WASI 0.3's HTTP interfaces. */
export const HTTP_P3_TYPES = 'wasi:http/types@0.3.0';
export const HTTP_P3_CLIENT = 'wasi:http/client@0.3.0';

/**
 * The `wasi:http/types@0.3.0` namespace: the resource classes.
 *
 * @example
 * ```ts
 * const { Fields, Request } = httpP3TypesNamespace(); // or with a Fields of forbiddingFields
 * ```
 */
export function httpP3TypesNamespace(fields: typeof Fields = Fields): { Fields: typeof Fields; Request: typeof Request; Response: typeof Response; RequestOptions: typeof RequestOptions } {
  return { Fields: fields, Request, Response, RequestOptions };
}

/**
 * The `wasi:http@0.3.0` namespaces of one instance: with a grant, `send` reaches the allowed
 * origins through `fetch`; without one, it refuses every request (`policy`: the grant's
 * allow-list, when the caller made it already, as for 0.2's). Throws a TypeError for a malformed
 * grant.
 *
 * @example
 * ```ts
 * Object.assign(imports, httpP3Namespaces({ allow: ['https://api.example.com'] }, ctx, fetch));
 * ```
 */
export function httpP3Namespaces(
  grant: HttpGrant | undefined, ctx: HostContext, fetch: FetchAdapter, policy: HttpAllowList | undefined = grant === undefined ? undefined : httpPolicy(grant, fetch),
): Record<string, unknown> {
  const send = policy === undefined ? deniedSend(ctx.report)
    : clientSend({ policy, fetch, report: ctx.report, async: ctx.async, ...(ctx.onHttpFailure ? { onFailure: ctx.onHttpFailure } : {}) });
  return { [HTTP_P3_TYPES]: httpP3TypesNamespace(grant ? forbiddingFields(Fields, grant.forbiddenHeaders ?? []) : Fields), [HTTP_P3_CLIENT]: { send } };
}
