/**
 * isowasm for browsers, Web Workers and Service Workers: the core API, plus (as they land) the
 * browser host adapters, `runInWorker` and `serveFromServiceWorker`.
 */
export { loadComponent } from '../core/load.js';
