// comlink ships its Node adapter's types as node-adapter.d.ts beside node-adapter.mjs, which a
// NodeNext import of the .mjs file can't see: this declares what isowasm uses of it.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: unknown): Endpoint;
}
