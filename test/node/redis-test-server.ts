/**
 * A redis-server (Debian's; `.ci/run` installs it) for tests: started on 127.0.0.1 on a free port
 * in a directory of its own, killed and started again on the same port and directory, and stopped
 * with its directory removed. Every server started is tracked, so `stopAllRedis` in `after` leaves
 * none behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

/** One redis-server: its URL, port and directory, and the process while it runs. */
export class RedisTestServer {
  readonly port: number;
  readonly dir: string;
  readonly args: readonly string[];
  process: ChildProcess | null = null;

  constructor(port: number, dir: string, args: readonly string[]) {
    this.port = port;
    this.dir = dir;
    this.args = args;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and directory; resolves when it accepts connections. */
  async start(): Promise<void> {
    const p = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--protected-mode', 'yes', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = p;
    running.add(this);
    await new Promise<void>((ready, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s: ${out}`)), 10_000);
      p.once('error', (e) => { clearTimeout(timer); fail(new Error(`redis-server could not run (apt-get install -y redis-server): ${e.message}`)); });
      p.once('exit', (code) => { clearTimeout(timer); fail(new Error(`redis-server exited with ${code}: ${out}`)); });
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          ready();
        }
      });
    });
  }

  /** Ends the process with `signal` (SIGKILL: no chance to save anything) and waits for its exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.process;
    this.process = null;
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((done) => {
        p.once('exit', () => done());
        p.kill(signal);
      });
    }
  }

  /** Stops it and removes its directory. */
  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    running.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const running = new Set<RedisTestServer>();

/**
 * Starts a redis-server with `args` after the port, bind and directory (default: no persistence).
 *
 * @example
 * ```ts
 * const aof = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
 * ```
 */
export async function startRedis(args: readonly string[] = ['--save', '', '--appendonly', 'no']): Promise<RedisTestServer> {
  const server = new RedisTestServer(await freePort(), mkdtempSync(join(tmpdir(), 'isowasm-redis-')), args);
  await server.start();
  return server;
}

/** Stops every server `startRedis` started (for `after`). */
export async function stopAllRedis(): Promise<void> {
  for (const s of [...running]) await s.stop();
}
