/** Shared by bench/http.ts and its server child, bench/http-child.ts. */
import type { InstancePolicy } from '../src/core/http/pool.js';

/** What one child serves: plain node:http, or isowasm's `serve` of a fixture with an instance policy. */
export type ChildSpec =
  | { readonly kind: 'node' }
  | { readonly kind: 'isowasm'; readonly fixture: string; readonly instances: InstancePolicy };

/** The bytes every contender answers (the WAT guest's "/", the JS guest's "/hello"). */
export const HELLO = 'hello\n';
