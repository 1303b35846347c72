/** `isowasm inspect`: a component's imports, exports and the capabilities it would need, with the flags that grant them. */
import { basename } from 'node:path';
import type { CapabilityNeed, ItemDescription } from '../../core/index.js';
import { readComponentBytes } from '../load.js';
import { capabilityNeeds, integrityOf, loadComponent } from '../index.js';
import { type CommandLine, UsageError } from './command-line.js';

/** The flag that grants each capability a command line can grant. */
const FLAGS: Readonly<Record<string, string>> = {
  fs: '--dir HOST::GUEST[::ro]',
  http: '--allow-http ORIGIN',
  sockets: '--allow-socket HOST:PORT',
  env: '--env K=V (and the arguments: everything after the component file)',
  config: '--config K=V',
  kv: '--kv PATH (every bucket in one SQLite file) or --kv NAME=PATH',
  imports: '--imports MODULE.js (a JS module whose default export is the import object)',
};

function printItems(items: readonly ItemDescription[], indent: string, out: string[]): void {
  if (items.length === 0) out.push(`${indent}(none)`);
  for (const i of items) {
    if (i.kind === 'instance') {
      out.push(`${indent}interface ${i.name}`);
      printItems(i.members ?? [], `${indent}  `, out);
    } else if (i.kind === 'func') out.push(`${indent}${i.name}: ${i.signature}`);
    else out.push(`${indent}${i.kind} ${i.name}${i.signature ? `: ${i.signature}` : ''}`);
  }
}

function grantLine(n: CapabilityNeed): string {
  // a capability without a flag (none today) keeps the library's words
  return FLAGS[n.capability] ?? n.grant;
}

/** The text `isowasm inspect` prints. */
export async function inspect(line: CommandLine): Promise<string> {
  if (line.rest.length > 0) throw new UsageError(`isowasm inspect takes one component file; ${line.rest.join(' ')} ${line.rest.length === 1 ? 'is' : 'are'} extra`, 'inspect');
  const bytes = await readComponentBytes(line.file);
  const c = await loadComponent(bytes);
  // what loadComponent(url, { integrity }) takes
  const out = [`component ${basename(line.file)}`, `integrity: ${await integrityOf(bytes)}`];
  out.push('imports:');
  printItems(c.imports, '  ', out);
  out.push('exports:');
  printItems(c.exports, '  ', out);
  out.push('capabilities:');
  const needs = capabilityNeeds(c.imports.map((i) => i.name));
  if (needs.length === 0) out.push('  (none: the component imports nothing a host must grant)');
  for (const n of needs) {
    const what = n.capability === 'imports' ? 'host imports (not WASI)' : n.capability;
    out.push(`  ${what}${n.byDefault ? ' (granted by default)' : ''}: ${n.interfaces.join(', ')}`);
    if (!n.byDefault) out.push(`    grant: ${grantLine(n)}`);
  }
  return out.join('\n');
}
