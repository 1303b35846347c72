/** isowasm's version: package.json's, found from this module (dist/cli.js, or build/src/node/cli/ under tests). */
import { readFileSync } from 'node:fs';

export function version(): string {
  for (let up = '../'; up.length <= 5 * 3; up += '../') {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'isowasm' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: one directory up
    }
  }
  throw new Error('isowasm could not find its package.json (the installation is incomplete: reinstall isowasm)');
}
