/**
 * isowasm for Node: the core API with file-path loading, plus (as they land) Node host adapters,
 * the request listener and the CLI.
 */
export { loadComponent } from './load.js';
