#!/usr/bin/env node
// The isowasm command; its code is in src/node/cli/ (main.ts, bundled to dist/cli.js by `npm run build`).
import module from 'node:module';

// Node's on-disk compile cache makes later starts of the CLI faster (Node 22.1+)
module.enableCompileCache?.();
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
