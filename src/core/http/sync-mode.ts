/**
 * Serving from a synchronous instance: where the runtime has neither JSPI nor workers that can
 * block (Safari or Firefox outside a cross-origin isolated page, say), `instantiate`'s 'auto'
 * makes a 'sync' instance, whose guest can't wait for the host. The handler then reads the whole
 * request body before calling the guest (bounded: `maxRequestBodyBytes`, else
 * `SYNC_BODY_LIMIT`), and the response body the guest writes collects until its call returns.
 * Outgoing HTTP from the guest needs the host to wait, so it is refused where it is granted.
 */
/** The longest request body a synchronous instance gets when `maxRequestBodyBytes` is not set: 16 MiB. */
export const SYNC_BODY_LIMIT = 16 * 2 ** 20;

/**
 * Whether an instance is synchronous (its strategy is 'sync'): the guest's body reads can't wait.
 *
 * @example
 * ```ts
 * if (isSynchronous(slot.instance)) body = await readWhole(request.body);
 * ```
 */
export function isSynchronous(instance: object): boolean {
  return (instance as { strategy?: unknown }).strategy === 'sync';
}
