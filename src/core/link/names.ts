/**
 * Import and export names: versions (`@0.2.0`, semver-compatible matching), short export names,
 * and the function-name forms of resources (`[constructor]`, `[method]`, `[static]`).
 */
import { camelCase } from '../abi/types.js';

/** Splits `ns:pkg/iface@1.2.3` into its unversioned name and version. */
export function splitVersion(name: string): [string, string | null] {
  const at = name.lastIndexOf('@');
  if (at <= 0 || !name.includes(':')) return [name, null];
  return [name.slice(0, at), name.slice(at + 1)];
}

function parseSemver(v: string): [number, number, number, string] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''] : null;
}

/** Whether a host definition at version `have` can serve an import of version `want` (semver). */
export function versionsCompatible(have: string, want: string): boolean {
  const a = parseSemver(have);
  const b = parseSemver(want);
  if (!a || !b) return have === want;
  if (a[3] || b[3]) return have === want; // pre-releases match only exactly
  if (a[0] !== b[0]) return false;
  if (a[0] > 0) return true;
  if (a[1] !== b[1]) return false;
  return a[1] > 0 || a[2] === b[2];
}

function compareSemver(x: string, y: string): number {
  const a = parseSemver(x);
  const b = parseSemver(y);
  if (!a || !b) return 0;
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Finds the host value for an import name the way hosts key them: the exact name, a
 * semver-compatible version of it (highest first), the name without its version, or for plain
 * names the camelCase spelling. Returns the key it matched, or null.
 */
export function findImportKey(imports: object, name: string): string | null {
  if (hasOwn(imports, name)) return name;
  const [base, version] = splitVersion(name);
  if (version !== null) {
    // a compatible versioned key first: a host serving 0.2 unversioned and 0.3 as `@0.3.0` gives
    // a 0.3 import the 0.3 definition
    let best: string | null = null;
    let bestVersion = '';
    for (const k of Object.keys(imports)) {
      const [kb, kv] = splitVersion(k);
      if (kb === base && kv !== null && versionsCompatible(kv, version) && (best === null || compareSemver(kv, bestVersion) > 0)) {
        best = k;
        bestVersion = kv;
      }
    }
    if (best !== null) return best;
    return hasOwn(imports, base) ? base : null;
  }
  if (name.includes(':')) {
    // an unversioned import served by a host that keyed it with a version
    const found = Object.keys(imports).filter((k) => splitVersion(k)[0] === name);
    return found.length === 1 ? found[0]! : null;
  }
  const cc = camelCase(name);
  return hasOwn(imports, cc) ? cc : null;
}

/** The camelCase short name jco gives an exported interface: the last path segment, unversioned. */
export function shortExportName(name: string): string {
  const [base] = splitVersion(name);
  const slash = base.lastIndexOf('/');
  return camelCase(slash >= 0 ? base.slice(slash + 1) : base.includes(':') ? base.slice(base.indexOf(':') + 1) : base);
}

/** Parses `[constructor]r`, `[method]r.m`, `[static]r.m` or a plain function name. */
export function parseFuncName(name: string): { kind: 'constructor' | 'method' | 'static' | 'plain'; resource: string; member: string } {
  if (name.charCodeAt(0) === 0x5b /* [ */) {
    if (name.startsWith('[constructor]')) return { kind: 'constructor', resource: name.slice(13), member: '' };
    const kind = name.startsWith('[method]') ? 'method' : name.startsWith('[static]') ? 'static' : null;
    if (kind) {
      const rest = name.slice(8);
      const dot = rest.indexOf('.');
      if (dot > 0) return { kind, resource: rest.slice(0, dot), member: rest.slice(dot + 1) };
    }
  }
  return { kind: 'plain', resource: '', member: name };
}
