/**
 * The library's errors in the command line's terms: a denial names the flag that grants it (not
 * the `instantiate` option), missing imports point at `--imports`. Rephrased from the errors'
 * structured `details`, so the library's own messages stay as they are for JavaScript callers.
 */
import { type DenialReport, IsowasmError } from '../../core/index.js';
import type { CommandName } from './command-line.js';

function isDenialReport(d: unknown): d is DenialReport {
  if (typeof d !== 'object' || d === null) return false;
  const r = d as Record<string, unknown>;
  return typeof r.capability === 'string' && typeof r.interface === 'string' && typeof r.detail === 'string' && typeof r.grant === 'string';
}

/** The entries a grant text such as `capabilities.http = { allow: ['a', 'b'] }` lists; the last is the one that was missing. */
function allowListed(grant: string): string[] {
  const list = /allow: \[(.*)\]/.exec(grant)?.[1];
  return list ? [...list.matchAll(/'([^']*)'/g)].map((m) => m[1]!) : [];
}

/** What to add to the command line to allow what `d` refused. */
export function flagFor(d: DenialReport): string {
  // a text that starts "no grant" says no grant could allow it: it is not in JavaScript's terms
  if (d.grant.startsWith('no grant')) return d.grant;
  switch (d.capability) {
    case 'fs':
      if (/read-only preopen/.test(d.detail) || d.grant.includes('readOnly: false')) {
        return 'the preopen was granted read-only with ::ro; drop ::ro from --dir to allow writes';
      }
      return 'to allow it, preopen a directory that holds what the guest needs: --dir HOST::GUEST';
    case 'http': {
      const origin = allowListed(d.grant).at(-1);
      return `to allow it, add --allow-http ${origin ?? 'ORIGIN'}`;
    }
    case 'sockets': {
      const address = allowListed(d.grant).at(-1);
      return `to allow it, add --allow-socket ${address ?? 'HOST:PORT'}`;
    }
    case 'env': return 'to allow it, add --env K=V';
    case 'config': return 'to allow it, add --config K=V';
    case 'kv': {
      const quoted = /the bucket (".*")$/.exec(d.detail)?.[1];
      const name = quoted === undefined ? 'NAME' : JSON.parse(quoted) as string;
      return `to allow it, add --kv ${name}=PATH (that bucket in the SQLite file PATH) or --kv PATH (every bucket)`;
    }
    default: return `to allow it, grant ${d.grant}`;
  }
}

/** A denial as the command line reports it. */
export function denialMessage(d: DenialReport): string {
  return `${d.interface}: ${d.detail}; ${flagFor(d)}`;
}

function missingImportsMessage(e: IsowasmError, command: CommandName, imports: readonly string[]): string {
  const d = e.details as { missing?: unknown; mismatched?: unknown } | undefined;
  const missing = Array.isArray(d?.missing) ? (d.missing as string[]) : [];
  const wrong = Array.isArray(d?.mismatched) ? (d.mismatched as string[]) : [];
  const shape = wrong.length ? `; and some have the wrong shape: ${wrong.join('; ')}` : '';
  const example = `export default { '${missing[0] ?? 'ns:pkg/iface'}': { ... } }`;
  if (imports.length === 0) {
    return `the component needs imports that are not WASI: ${missing.join(', ')}${shape}. Provide them with --imports MODULE.js, a JS module whose default export is the import object (${example}); see isowasm help ${command}`;
  }
  return `the --imports module${imports.length > 1 ? 's' : ''} ${imports.join(', ')} did not provide ${missing.join(', ')}${shape}. The import object is keyed by interface (${example}; the @version may be left out)`;
}

/** What the user can do about `e`, in the command line's terms; `[CODE]` for isowasm's own errors. */
export function errorMessage(e: unknown, command: CommandName, imports: readonly string[] = []): string {
  if (!(e instanceof IsowasmError)) return e instanceof Error ? e.message : String(e);
  let message = e.message;
  if (e.code === 'MISSING_IMPORTS' && e.details && typeof e.details === 'object' && 'missing' in e.details) {
    message = missingImportsMessage(e, command, imports);
  } else if (e.code === 'CAPABILITY_DENIED' && isDenialReport(e.details)) {
    message = denialMessage(e.details);
  } else if (e.cause instanceof IsowasmError && e.cause.code === 'CAPABILITY_DENIED' && isDenialReport(e.cause.details)) {
    // a trap caused by a refusal quotes the refusal: quote it as the command line says it
    message = message.replace(e.cause.message, denialMessage(e.cause.details));
  }
  return `${message} [${e.code}]`;
}

/** The `onCapabilityDenied` of the command line: each refusal, once, on stderr, in flag terms. */
export function reportDenial(e: IsowasmError): void {
  process.stderr.write(`isowasm: ${isDenialReport(e.details) ? denialMessage(e.details) : e.message}\n`);
}
