// Runs the shared suites and the browser-only suites in Debian's Chromium (never a downloaded
// browser). The dev server serves the repository root; the conformance corpus is served under
// /__conformance/ from wherever test/harness/conformance-dir.ts finds it.
import { readFile } from 'node:fs/promises';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { conformancePath } from './build/test/harness/conformance-dir.js';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
    async function conformance(context, next) {
      const prefix = '/__conformance/';
      if (!context.path.startsWith(prefix)) return next();
      const rel = decodeURIComponent(context.path.slice(prefix.length));
      if (rel.includes('..')) {
        context.status = 400;
        return;
      }
      try {
        context.body = await readFile(conformancePath(rel));
        context.type = rel.endsWith('.wasm') ? 'application/wasm' : 'text/plain';
      } catch (e) {
        context.status = 404;
        context.body = String(e.message);
      }
    },
  ],
};
