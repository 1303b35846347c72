/**
 * Reads the WIT text `inspect` prints for a function (`func(a: u32, b: tuple<u8, u32>) -> u32`)
 * back into its parameters and result, so that `call` can check and read its arguments.
 */

export interface Param {
  readonly name: string;
  /** WIT text of its type: `u64`, `list<string>`, or a named type such as `r1` */
  readonly type: string;
}

export interface Signature {
  readonly params: readonly Param[];
  /** WIT text of the result type; null when the function has none */
  readonly result: string | null;
}

const OPEN = new Set(['<', '(', '{']);
const CLOSE = new Set(['>', ')', '}']);

/** Splits `text` at the commas that are not inside <>, () or {}. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** The parameters and result of a function's WIT text; null if the text is not a function's. */
export function parseSignature(text: string): Signature | null {
  const open = text.indexOf('(');
  if (open < 0 || !/^(async )?func$/.test(text.slice(0, open).trim())) return null;
  let depth = 0;
  let close = -1;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c) && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return null;
  const params = splitTopLevel(text.slice(open + 1, close)).map((p) => {
    const colon = p.indexOf(':');
    return { name: p.slice(0, colon).trim(), type: p.slice(colon + 1).trim() };
  });
  const arrow = text.slice(close + 1).trim();
  return { params, result: arrow.startsWith('->') ? arrow.slice(2).trim() : null };
}
