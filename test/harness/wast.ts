/**
 * A small reader of the Component Model specification's `.wast` scripts (its test/ folder), for
 * the forms its async tests use: `(component ...)`, `(component definition $X ...)`,
 * `(component instance $i $X)`, `(invoke "f" args...)`, `(assert_return (invoke ...) results...)`,
 * `(assert_trap (invoke ...) "message")`, `(assert_trap (component ...) "message")` (instantiation
 * traps) and `(assert_invalid|assert_malformed (component ...)
 * "message")`, with the component value constants (`u32.const 42`, `bool.const true`,
 * `list.const`, `record.const (field "a" u8.const 1)`, `variant.const "case" (...)`,
 * `enum.const "case"`, ...). Anything else is an error naming the form: a script is never half
 * read. Component text is kept as written, to be encoded by `jco parse` (scripts/build-fixtures.mjs).
 */

/** A node of the s-expression tree: an atom (with `quoted` for a string) or a list. */
export type SExpr =
  | { kind: 'atom'; text: string; quoted: boolean; start: number; end: number }
  | { kind: 'list'; items: SExpr[]; start: number; end: number };

/** A component value constant of an `invoke` argument or an expected result. */
export type WastValue =
  | { type: 'bool'; value: boolean }
  | { type: 'u8' | 'u16' | 'u32' | 's8' | 's16' | 's32' | 'char-code'; value: number }
  | { type: 'u64' | 's64'; value: bigint }
  | { type: 'f32' | 'f64'; value: number }
  | { type: 'char' | 'string' | 'enum'; value: string }
  | { type: 'list' | 'tuple'; value: WastValue[] }
  | { type: 'record'; value: [string, WastValue][] }
  | { type: 'variant'; case: string; value: WastValue | undefined }
  | { type: 'option'; value: WastValue | undefined }
  | { type: 'result'; ok: boolean; value: WastValue | undefined }
  | { type: 'flags'; value: string[] };

/** A call of an export of the current instance (or of the named one). */
export interface WastInvoke { instance: string | undefined; name: string; args: WastValue[] }

/**
 * One command of a script. Components are numbered in the order they appear (`component` is the
 * index of their binary); `line` is 1-based, for messages.
 */
export type WastCommand =
  | { kind: 'component'; component: number; name: string | undefined; text: string; line: number }
  | { kind: 'definition'; component: number; name: string; text: string; line: number }
  | { kind: 'instance'; name: string; definition: string; line: number }
  | { kind: 'invoke'; invoke: WastInvoke; line: number }
  | { kind: 'assert_return'; invoke: WastInvoke; results: WastValue[]; line: number }
  | { kind: 'assert_trap'; invoke: WastInvoke; message: string; line: number }
  /** `(assert_trap (component ...) "message")`: instantiating the component traps. */
  | { kind: 'assert_trap_instantiate'; component: number; text: string; message: string; line: number }
  | { kind: 'assert_invalid' | 'assert_malformed'; component: number; text: string; message: string; line: number };

/** Bounds the reader holds to (the scripts are ours, but a broken one should fail clearly). */
const MAX_DEPTH = 1000;

class WastSyntaxError extends Error {
  constructor(source: string, at: number, what: string) {
    super(`.wast line ${lineOf(source, at)}: ${what}`);
    this.name = 'WastSyntaxError';
  }
}

function lineOf(source: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** Reads `source` into its top-level s-expressions, skipping `;;` and nested `(; ;)` comments. */
export function readSExprs(source: string): SExpr[] {
  let i = 0;
  const stack: { items: SExpr[]; start: number }[] = [{ items: [], start: 0 }];
  const isDelimiter = (c: string): boolean => c === '(' || c === ')' || c === '"' || c === ';' || /\s/.test(c);
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === ';' && source[i + 1] === ';') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '(' && source[i + 1] === ';') {
      const start = i;
      let depth = 0;
      do {
        if (source.startsWith('(;', i)) { depth++; i += 2; } else if (source.startsWith(';)', i)) { depth--; i += 2; } else i++;
      } while (depth > 0 && i < source.length);
      if (depth > 0) throw new WastSyntaxError(source, start, 'block comment `(;` is never closed');
      continue;
    }
    if (c === '(') {
      if (stack.length > MAX_DEPTH) throw new WastSyntaxError(source, i, `nesting deeper than ${MAX_DEPTH}`);
      stack.push({ items: [], start: i });
      i++;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) throw new WastSyntaxError(source, i, 'unbalanced `)`');
      const open = stack.pop()!;
      stack[stack.length - 1]!.items.push({ kind: 'list', items: open.items, start: open.start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new WastSyntaxError(source, start, 'string is never closed');
        const d = source[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\') {
          const e = source[i + 1];
          const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };
          if (e !== undefined && e in escapes) { text += escapes[e]; i += 2; continue; }
          if (e === 'u' && source[i + 2] === '{') {
            const close = source.indexOf('}', i);
            if (close < 0) throw new WastSyntaxError(source, i, 'bad \\u{...} escape');
            text += String.fromCodePoint(parseInt(source.slice(i + 3, close), 16));
            i = close + 1;
            continue;
          }
          if (e !== undefined && /[0-9a-fA-F]{2}/.test(source.slice(i + 1, i + 3))) {
            // a byte escape: only ASCII bytes occur in names and messages here
            text += String.fromCharCode(parseInt(source.slice(i + 1, i + 3), 16));
            i += 3;
            continue;
          }
          throw new WastSyntaxError(source, i, `unknown string escape \\${e ?? ''}`);
        }
        text += d;
        i++;
      }
      stack[stack.length - 1]!.items.push({ kind: 'atom', text, quoted: true, start, end: i });
      continue;
    }
    const start = i;
    while (i < source.length && !isDelimiter(source[i]!)) i++;
    stack[stack.length - 1]!.items.push({ kind: 'atom', text: source.slice(start, i), quoted: false, start, end: i });
  }
  if (stack.length > 1) throw new WastSyntaxError(source, stack[stack.length - 1]!.start, '`(` is never closed');
  return stack[0]!.items;
}

function head(e: SExpr): string | undefined {
  return e.kind === 'list' && e.items[0]?.kind === 'atom' && !e.items[0].quoted ? e.items[0].text : undefined;
}

function keyword(e: SExpr | undefined): string | undefined {
  return e?.kind === 'atom' && !e.quoted ? e.text : undefined;
}

function quoted(source: string, e: SExpr | undefined, what: string, near: number): string {
  if (e?.kind !== 'atom' || !e.quoted) throw new WastSyntaxError(source, e?.start ?? near, `expected ${what} (a string)`);
  return e.text;
}

function integer(source: string, text: string, at: number): bigint {
  const t = text.replace(/_/g, '');
  const m = /^([+-]?)(0x[0-9a-fA-F]+|[0-9]+)$/.exec(t);
  if (!m) throw new WastSyntaxError(source, at, `\`${text}\` is not an integer`);
  const v = BigInt(m[2]!);
  return m[1] === '-' ? -v : v;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn], s8: [-0x80n, 0x7fn], u16: [0n, 0xffffn], s16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn], s32: [-0x80000000n, 0x7fffffffn],
  u64: [0n, 0xffffffffffffffffn], s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

/**
 * Reads one value from `items` at `k` (a list like `(u32.const 1)`, or, inside a record's
 * `(field "a" u32.const 1)`, the bare words): returns the value and the index after it.
 */
function readValue(source: string, items: SExpr[], k: number): [WastValue, number] {
  const first = items[k];
  if (first?.kind === 'list') {
    const [v, next] = readValue(source, first.items, 0);
    if (next !== first.items.length) throw new WastSyntaxError(source, first.items[next]!.start, 'unexpected words after a value');
    return [v, k + 1];
  }
  const op = keyword(first);
  if (op === undefined) throw new WastSyntaxError(source, first?.start ?? 0, 'expected a value constant such as `(u32.const 1)`');
  const at = first!.start;
  const arg = items[k + 1];
  const ty = op.slice(0, -'.const'.length);
  if (!op.endsWith('.const')) throw new WastSyntaxError(source, at, `\`${op}\` is not a value constant`);
  if (ty in INT_RANGES) {
    const n = integer(source, keyword(arg) ?? '', arg?.start ?? at);
    const [lo, hi] = INT_RANGES[ty]!;
    if (n < lo || n > hi) throw new WastSyntaxError(source, at, `${n} is out of range for ${ty}`);
    if (ty === 'u64' || ty === 's64') return [{ type: ty, value: n }, k + 2];
    return [{ type: ty as 'u32', value: Number(n) }, k + 2];
  }
  switch (ty) {
    case 'bool': {
      const b = keyword(arg);
      if (b !== 'true' && b !== 'false') throw new WastSyntaxError(source, at, 'bool.const takes true or false');
      return [{ type: 'bool', value: b === 'true' }, k + 2];
    }
    case 'f32':
    case 'f64': {
      const t = keyword(arg);
      const v = t === 'nan' ? NaN : t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t?.replace(/_/g, ''));
      if (t === undefined || Number.isNaN(v) && t !== 'nan') throw new WastSyntaxError(source, at, `\`${t ?? ''}\` is not a float`);
      return [{ type: ty, value: ty === 'f32' ? Math.fround(v) : v }, k + 2];
    }
    case 'char':
    case 'string':
    case 'enum':
      return [{ type: ty, value: quoted(source, arg, `${ty}.const's value`, at) }, k + 2];
    case 'list':
    case 'tuple': {
      // list.const and tuple.const take every remaining item of their own list
      const values: WastValue[] = [];
      let j = k + 1;
      while (j < items.length) {
        const [v, next] = readValue(source, items, j);
        values.push(v);
        j = next;
      }
      return [{ type: ty, value: values }, j];
    }
    case 'record': {
      const fields: [string, WastValue][] = [];
      let j = k + 1;
      for (; j < items.length; j++) {
        const f = items[j]!;
        if (head(f) !== 'field' || f.kind !== 'list') throw new WastSyntaxError(source, f.start, 'record.const takes `(field "name" value)` items');
        const name = quoted(source, f.items[1], 'a field name', f.start);
        const [v, next] = readValue(source, f.items, 2);
        if (next !== f.items.length) throw new WastSyntaxError(source, f.start, 'unexpected words after a field value');
        fields.push([name, v]);
      }
      return [{ type: 'record', value: fields }, j];
    }
    case 'variant': {
      const name = quoted(source, arg, 'a variant case name', at);
      if (k + 2 >= items.length) return [{ type: 'variant', case: name, value: undefined }, k + 2];
      const [v, next] = readValue(source, items, k + 2);
      return [{ type: 'variant', case: name, value: v }, next];
    }
    default:
      throw new WastSyntaxError(source, at, `the value constant \`${op}\` is not supported by this reader`);
  }
}

function readInvoke(source: string, e: SExpr | undefined, near: number): WastInvoke {
  if (e === undefined || head(e) !== 'invoke' || e.kind !== 'list') throw new WastSyntaxError(source, e?.start ?? near, 'expected `(invoke "name" args...)`');
  let k = 1;
  let instance: string | undefined;
  const maybeId = keyword(e.items[1]);
  if (maybeId?.startsWith('$')) { instance = maybeId; k++; }
  const name = quoted(source, e.items[k], 'an export name', e.start);
  const args: WastValue[] = [];
  for (k++; k < e.items.length; k++) {
    const a = e.items[k]!;
    if (a.kind !== 'list') throw new WastSyntaxError(source, a.start, 'an invoke argument is a parenthesized constant');
    args.push(readValue(source, [a], 0)[0]);
  }
  return { instance, name, args };
}

/**
 * The text of a `(component ...)` form as `jco parse` reads it: `(component definition $X ...)`
 * loses its `definition` word (the script form; the component itself is the same).
 */
function componentText(source: string, e: Extract<SExpr, { kind: 'list' }>, definition: boolean): string {
  if (!definition) return source.slice(e.start, e.end);
  const word = e.items[1]!;
  return source.slice(e.start, word.start) + source.slice(word.end, e.end);
}

/** Reads a whole `.wast` script into its commands. */
export function readWast(source: string): WastCommand[] {
  const commands: WastCommand[] = [];
  let components = 0;
  for (const e of readSExprs(source)) {
    const line = lineOf(source, e.start);
    if (e.kind !== 'list') throw new WastSyntaxError(source, e.start, 'expected a parenthesized command at the top level');
    const h = head(e);
    switch (h) {
      case 'component': {
        const second = keyword(e.items[1]);
        if (second === 'instance') {
          const name = keyword(e.items[2]);
          const definition = keyword(e.items[3]);
          if (!name?.startsWith('$') || !definition?.startsWith('$') || e.items.length !== 4) {
            throw new WastSyntaxError(source, e.start, 'expected `(component instance $name $definition)`');
          }
          commands.push({ kind: 'instance', name, definition, line });
        } else if (second === 'definition') {
          const name = keyword(e.items[2]);
          if (!name?.startsWith('$')) throw new WastSyntaxError(source, e.start, '`(component definition` needs a $name');
          commands.push({ kind: 'definition', component: components++, name, text: componentText(source, e, true), line });
        } else if (second === 'binary' || second === 'quote') {
          throw new WastSyntaxError(source, e.start, `\`(component ${second}\` is not supported by this reader`);
        } else {
          commands.push({ kind: 'component', component: components++, name: second?.startsWith('$') ? second : undefined, text: componentText(source, e, false), line });
        }
        break;
      }
      case 'invoke':
        commands.push({ kind: 'invoke', invoke: readInvoke(source, e, e.start), line });
        break;
      case 'assert_return': {
        const invoke = readInvoke(source, e.items[1], e.start);
        const results = e.items.slice(2).map((r) => readValue(source, [r], 0)[0]);
        commands.push({ kind: 'assert_return', invoke, results, line });
        break;
      }
      case 'assert_trap': {
        const target = e.items[1];
        if (target?.kind === 'list' && head(target) === 'component') {
          const second = keyword(target.items[1]);
          if (second === 'binary' || second === 'quote' || second === 'definition' || second === 'instance') {
            throw new WastSyntaxError(source, target.start, `\`(assert_trap (component ${second}\` is not supported by this reader`);
          }
          const message = quoted(source, e.items[2], 'the trap message', e.start);
          commands.push({ kind: 'assert_trap_instantiate', component: components++, text: componentText(source, target, false), message, line });
          break;
        }
        const invoke = readInvoke(source, e.items[1], e.start);
        commands.push({ kind: 'assert_trap', invoke, message: quoted(source, e.items[2], 'the trap message', e.start), line });
        break;
      }
      case 'assert_invalid':
      case 'assert_malformed': {
        const c = e.items[1];
        if (c === undefined || c.kind !== 'list' || head(c) !== 'component') throw new WastSyntaxError(source, e.start, `${h} takes a \`(component ...)\``);
        const second = keyword(c.items[1]);
        if (second === 'binary' || second === 'quote') throw new WastSyntaxError(source, c.start, `\`(component ${second}\` is not supported by this reader`);
        commands.push({ kind: h, component: components++, text: componentText(source, c, false), message: quoted(source, e.items[2], 'the expected message', e.start), line });
        break;
      }
      default:
        throw new WastSyntaxError(source, e.start, `the command \`${h ?? '(...)'}\` is not supported by this reader`);
    }
  }
  return commands;
}
