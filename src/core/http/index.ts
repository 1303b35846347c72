/**
 * The incoming side of HTTP: a `wasi:http/incoming-handler` component as a fetch handler
 * (`createFetchHandler`), with its instance pool and the Request/Response bridge.
 */
export { createFetchHandler, type FetchHandler, type FetchHandlerOptions, type HttpComponent, type RequestLimits } from './fetch-handler.js';
export type { InstancePolicy, PooledInstance } from './pool.js';
export { RAW_HEADERS, RESPONSE_TRAILERS, TRAILERS } from './bridge.js';
