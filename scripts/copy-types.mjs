// Copies tsc's declaration files of src/ into dist/types/, where package.json's "types" point.
import { cpSync, rmSync } from 'node:fs';

rmSync('dist/types', { recursive: true, force: true });
cpSync('build/src', 'dist/types', { recursive: true, filter: (src) => !/\.(js|js\.map)$/.test(src) });
