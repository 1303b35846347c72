#!/usr/bin/env node
// The isowasm command; its code is in src/node/cli.ts (bundled to dist/cli.js by `npm run build`).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
