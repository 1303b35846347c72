/** The Node WASI platform: stdio to the process's streams by default. */
import type { WasiPlatform } from '../core/host/platform.js';
import { createNodeSocketBackend } from './sockets.js';
import { createDirectoryVolume } from './volumes.js';
import { createSqliteKeyValue, type SqliteKeyValueStore } from './key-values.js';
import { resolve } from 'node:path';
import { wasiHost } from '../core/wasi/index.js';

/**
 * SQLite stores granted by path, one per file for the process: every instance granted a file
 * (an HTTP server makes one per request) shares one connection.
 */
function sqliteFiles(): (path: string) => SqliteKeyValueStore {
  const open = new Map<string, SqliteKeyValueStore>();
  return (path) => {
    const abs = resolve(path);
    let store = open.get(abs);
    if (!store) {
      store = createSqliteKeyValue(abs);
      open.set(abs, store);
    }
    return store;
  };
}

/**
 * isowasm's WASI host with Node's adapters: stdout and stderr to the process's streams, host
 * directories granted by path (confined), key-value buckets granted by path (a SQLite file), outgoing HTTP through Node's `fetch`, and `wasi:sockets`
 * over node:net. Part of `nodePlatform`; spread it to change one adapter.
 *
 * @example
 * ```ts
 * import { nodeWasi } from 'isowasm/node';
 * const logged = { ...nodeWasi, fetch: (r: Request) => { console.log(r.url); return fetch(r); } };
 * await component.instantiate({ wasi: logged, capabilities: { http: { allow: ['https://api.example.com'] } } });
 * ```
 */
export const nodeWasi: WasiPlatform = {
  name: 'node',
  host: wasiHost,
  defaultStdout: (bytes) => { process.stdout.write(bytes); },
  defaultStderr: (bytes) => { process.stderr.write(bytes); },
  // a preopen granted as a string is a host directory, confined
  directoryVolume: (hostPath, options) => createDirectoryVolume(hostPath, options),
  // a wasi:keyvalue bucket granted as a string is a SQLite file
  keyValueFile: sqliteFiles(),
  // wasi:sockets over node:net, node:dgram and node:dns, for what capabilities.sockets allows
  sockets: createNodeSocketBackend(),
};
