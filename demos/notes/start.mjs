// `npm start`: builds what is missing (isowasm's dist/ when src/ is newer, the notes component
// when its sources changed), then starts the notes server on 127.0.0.1 and prints its URL.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir) {
  let t = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    const s = statSync(join(dir, String(f)));
    if (s.isFile() && s.mtimeMs > t) t = s.mtimeMs;
  }
  return t;
}

const built = join(root, 'dist/index.node.js');
if (!existsSync(built) || !existsSync(join(root, 'dist/browser.js')) || statSync(built).mtimeMs < newest(join(root, 'src'))) {
  console.log('building isowasm (npm run build)…');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
// dist/ exists now: the server imports it
await import('./server.mjs').then(async ({ startNotesServer }) => {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  const { url, close } = await startNotesServer({ port, fallbackPort: true, accessLog: process.env.ACCESS_LOG === '1' });
  console.log(`isowasm notes demo: ${url}`);
  console.log('  /api is demos/notes/build/notes.wasm (one wasi:http component), notes in demos/notes/data/kv.sqlite;');
  console.log('  the page runs the same component in its Service Worker. Ctrl-C stops the server.');
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
