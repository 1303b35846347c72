/**
 * `isowasm serve`: serves a `wasi:http/incoming-handler` (WASI 0.2) or `wasi:http/handler@0.3.0`
 * component over HTTP, like `wasmtime serve`: a fresh instance per request by default, the grants
 * the options give, a startup line with the URL, and a graceful shutdown on SIGINT/SIGTERM (requests in flight finish, new ones get 503).
 */
import type { InstancePolicy } from '../../core/http/index.js';
import { serve as serveComponent } from '../http.js';
import { loadComponent } from '../index.js';
import { type CommandLine, UsageError } from './command-line.js';
import { grantsFrom } from './grants.js';
import { durationOf, instanceLimits, sizeOf } from './limits.js';
import { loadImports } from './imports.js';
import { reportDenial } from './messages.js';

/** `--addr HOST:PORT` (wasmtime's) or `--port N` with the default host 127.0.0.1. */
function address(line: CommandLine): { hostname: string; port: number } {
  const addr = line.options.get('--addr')?.at(-1);
  const portText = line.options.get('--port')?.at(-1);
  if (addr !== undefined && portText !== undefined) throw new UsageError('give --addr HOST:PORT or --port N, not both', 'serve');
  let hostname = '127.0.0.1';
  let text = portText ?? '8080';
  if (addr !== undefined) {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
    if (!m) throw new UsageError(`--addr ${addr} is not HOST:PORT (127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080)`, 'serve');
    hostname = m[1] ?? m[2]!;
    text = m[3]!;
  }
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`the port must be a number from 0 to 65535, got ${text}`, 'serve');
  return { hostname, port };
}

/**
 * `--instances reset,max=64,warm=1,idle=30s` -> the handler's instance policy. Each request gets
 * a pristine instance: by default the one that served the last request, reset (`reset`), or a
 * new one (`fresh`); `reuse=N` lets N requests in turn share one instance's state instead.
 */
function instancePolicy(text: string | undefined): InstancePolicy {
  const policy: Record<string, number | boolean> = {};
  let mode: 'reset' | 'fresh' | 'reuse' | null = null;
  const pick = (m: 'reset' | 'fresh' | 'reuse'): void => {
    if (mode !== null && mode !== m) throw new UsageError(`--instances ${text}: choose one of reset, fresh and reuse=N`, 'serve');
    mode = m;
  };
  for (const part of text === undefined ? [] : text.split(',')) {
    const word = part.trim();
    if (word === 'reset' || word === 'fresh') {
      pick(word);
      continue;
    }
    const m = /^(reuse|max|warm|idle)=(\d+(?:\.\d+)?)(ms|s)?$/.exec(word);
    if (!m) throw new UsageError(`--instances ${text}: each part is reset, fresh, reuse=N, max=N, warm=N or idle=DURATION (30s, 500ms), got ${part}`, 'serve');
    const n = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
    if (m[1] === 'idle') policy.idleMs = m[3] === undefined ? n * 1000 : n;
    else {
      if (m[1] === 'reuse') pick('reuse');
      policy[m[1]!] = n;
    }
  }
  if (mode === null || mode === 'reset') policy.reset = true;
  return policy;
}

/** Serves until SIGINT or SIGTERM; resolves to the exit code once the server has closed. */
export async function serve(line: CommandLine): Promise<number> {
  if (line.rest.length > 0) throw new UsageError(`isowasm serve takes one component file; ${line.rest.join(' ')} ${line.rest.length === 1 ? 'is' : 'are'} extra`, 'serve');
  const { hostname, port } = address(line);
  // serve() refuses a component that exports no wasi:http handler (0.2 or 0.3), naming what it exports
  const component = await loadComponent(line.file);
  const controller = new AbortController();
  const imports = line.options.has('--imports') ? await loadImports(line.options.get('--imports')!) : undefined;
  const instances = instancePolicy(line.options.get('--instances')?.at(-1));
  const maxRequestBodyBytes = sizeOf(line.options.get('--max-body')?.at(-1), '--max-body', 'serve');
  const maxResponseBodyBytes = sizeOf(line.options.get('--max-response-body')?.at(-1), '--max-response-body', 'serve');
  const timeoutMs = durationOf(line.options.get('--timeout')?.at(-1), '--timeout', 'serve');
  const limits = { ...instanceLimits(line), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  const served = await serveComponent(component, {
    hostname, port, signal: controller.signal,
    capabilities: grantsFrom(line, [line.file]),
    onCapabilityDenied: reportDenial,
    ...(imports ? { imports } : {}),
    instances,
    ...(maxRequestBodyBytes !== undefined ? { maxRequestBodyBytes } : {}),
    ...(maxResponseBodyBytes !== undefined ? { maxResponseBodyBytes } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(line.options.has('--access-log') ? { accessLog: true } : {}),
    onError: (error, request) => process.stderr.write(`isowasm serve: ${request.method} ${new URL(request.url).pathname}: ${error.code}: ${error.message}\n`),
  });
  process.stderr.write(`isowasm serve: serving ${line.file} on ${served.url.href}\n`);
  const stop = (): void => {
    process.stderr.write('isowasm serve: shutting down (requests in flight finish; new ones get 503)\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await served.closed;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return 0;
}
