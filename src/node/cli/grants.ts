/** The capabilities a command line grants: its `--dir`, `--env`, `--allow-*`, `--config` and `--kv` options. */
import type { Capabilities, PreopenGrant } from '../../core/index.js';
import { UsageError, type CommandLine } from './command-line.js';

function keyValue(flag: string, v: string, command: CommandLine['command']): [string, string] {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} takes K=V, not ${JSON.stringify(v)}`, command);
  return [v.slice(0, eq), v.slice(eq + 1)];
}

/**
 * Turns the options into grants. `args` are the guest's arguments (the file name first, as a
 * shell gives a program its own name); `env` is where `--env K` reads K's value.
 */
export function grantsFrom(line: CommandLine, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Capabilities {
  const get = (name: string): readonly string[] => line.options.get(name) ?? [];
  const preopens: Record<string, PreopenGrant> = {};
  for (const v of get('--dir')) {
    const parts = v.split('::');
    const host = parts[0]!;
    const guest = parts[1] ?? host;
    const mode = parts[2];
    if (!host || !guest || parts.length > 3 || (mode !== undefined && mode !== 'ro')) {
      throw new UsageError(`--dir takes DIR, HOST::GUEST or HOST::GUEST::ro, not ${JSON.stringify(v)}`, line.command);
    }
    preopens[guest] = { volume: host, readOnly: mode === 'ro' };
  }
  const vars: Record<string, string> = {};
  for (const v of get('--env')) {
    const eq = v.indexOf('=');
    if (eq === 0 || v === '') throw new UsageError(`--env takes K=V or K, not ${JSON.stringify(v)}`, line.command);
    if (eq > 0) vars[v.slice(0, eq)] = v.slice(eq + 1);
    else if (env[v] !== undefined) vars[v] = env[v]!;
  }
  const config = Object.fromEntries(get('--config').map((v) => keyValue('--config', v, line.command)));
  // --kv PATH: every bucket in one SQLite file; --kv NAME=PATH: that bucket (a path string in the
  // grant, which Node opens as a SQLite file, one connection per file)
  const buckets: Record<string, string> = {};
  for (const v of get('--kv')) {
    const eq = v.indexOf('=');
    const [name, path] = eq < 0 ? ['*', v] : [v.slice(0, eq), v.slice(eq + 1)];
    if (name === '' || path === '') throw new UsageError(`--kv takes PATH or NAME=PATH, not ${JSON.stringify(v)}`, line.command);
    if (Object.hasOwn(buckets, name)) throw new UsageError(`--kv gives ${name === '*' ? 'a file for every bucket' : `the bucket ${JSON.stringify(name)}`} twice`, line.command);
    buckets[name] = path;
  }
  const allow = get('--allow-http');
  const sockets = get('--allow-socket');
  return {
    args: [...args], env: vars,
    ...(Object.keys(preopens).length ? { fs: { preopens } } : {}),
    ...(allow.length ? { http: { allow: [...allow] } } : {}),
    ...(sockets.length ? { sockets: { allow: [...sockets] } } : {}),
    ...(Object.keys(config).length ? { config } : {}),
    ...(Object.keys(buckets).length ? { kv: { buckets } } : {}),
  };
}
