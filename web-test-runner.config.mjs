// Runs the shared suites and the browser-only suites in Debian's Chromium (never a downloaded
// browser). The dev server serves the repository root; the conformance corpora are served under
// /__conformance/ and /__conformance-p3/ from wherever test/harness/conformance-dir.ts finds them.
import { readFile } from 'node:fs/promises';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { conformanceP3Path, conformancePath } from './build/test/harness/conformance-dir.js';
import { createTestRoutes } from './build/test/node/http-test-server.js';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// the outgoing-HTTP suites' endpoints (echo, streams, redirects, slow answers) under /__http/
const httpRoutes = createTestRoutes('/__http');

export default {
  rootDir: '.',
  files: ['build/test/shared/**/*.test.js', 'build/test/browser/**/*.test.js'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 10 * 60_000,
  testFramework: { config: { timeout: 120_000 } },
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromium,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--disable-quic'],
      },
    }),
  ],
  middleware: [
    // cross-origin isolation, which the 'worker' strategy needs in browsers (SharedArrayBuffer,
    // Atomics.wait): set first, so that every response (raw ones too) carries it
    async function crossOriginIsolation(context, next) {
      context.set('Cross-Origin-Opener-Policy', 'same-origin');
      context.set('Cross-Origin-Embedder-Policy', 'require-corp');
      return next();
    },
    async function httpTestRoutes(context, next) {
      if (!context.path.startsWith('/__http/')) return next();
      // answered by node:http primitives, streamed as written: Koa stays out of the response, and
      // the middleware waits until it is sent so that nothing upstream answers in the meantime
      context.respond = false;
      context.status = 200; // (the routes set the real status; this keeps Koa from logging a 404)
      await new Promise((resolve) => {
        context.res.once('close', resolve);
        httpRoutes.handle(context.req, context.res);
      });
    },
    async function conformance(context, next) {
      const p3 = context.path.startsWith('/__conformance-p3/');
      const prefix = p3 ? '/__conformance-p3/' : '/__conformance/';
      if (!context.path.startsWith(prefix)) return next();
      const rel = decodeURIComponent(context.path.slice(prefix.length));
      if (rel.includes('..')) {
        context.status = 400;
        return;
      }
      try {
        context.body = await readFile(p3 ? conformanceP3Path(rel) : conformancePath(rel));
        context.type = rel.endsWith('.wasm') ? 'application/wasm' : 'text/plain';
      } catch (e) {
        context.status = 404;
        context.body = String(e.message);
      }
    },
  ],
};
