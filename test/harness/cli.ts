/**
 * Running the `isowasm` CLI of this checkout from the Node tests: a command to its end
 * (`runCli`), or `isowasm serve` until it prints the URL it listens on (`startServe`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository's root (the tests run from build/test/...). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `isowasm args` in the repository's root; `input` goes to its stdin. */
export function runCli(args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [`${repoRoot}bin/isowasm.js`, ...args], { cwd: repoRoot, input: input ?? '', encoding: 'utf8', timeout: 60_000, ...(env ? { env } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts `isowasm serve args`; resolves with the URL it printed on stderr, the process, and what it wrote there. */
export async function startServe(args: readonly string[]): Promise<{ url: URL; child: ChildProcess; err: () => string }> {
  const child = spawn(process.execPath, [`${repoRoot}bin/isowasm.js`, 'serve', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no startup line in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.on('exit', (code) => reject(new Error(`isowasm serve exited with ${code}: ${err}`)));
  });
  return { url, child, err: () => err };
}
