/**
 * `call`'s values on the command line: arguments in (JSON, with bare strings and 64-bit
 * integers), results out (plain text or JSON), in jco's JS value conventions.
 */

const BIGINT_TEXT = /^-?\d+n$/;
const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: NaN, nan: NaN, Infinity: Infinity, inf: Infinity, '-Infinity': -Infinity, '-inf': -Infinity };

/** JSON.parse's reviver context (source text access, Node 21+): the literal a number came from. */
interface ReviverContext {
  readonly source?: string;
}

function revive(_key: string, v: unknown, context?: ReviverContext): unknown {
  if (typeof v === 'string' && BIGINT_TEXT.test(v)) return BigInt(v.slice(0, -1));
  // an integer literal past 2^53 would lose digits as a number: a u64/s64 wants all of them
  if (typeof v === 'number' && !Number.isSafeInteger(v) && context?.source !== undefined && /^-?\d+$/.test(context.source)) return BigInt(context.source);
  return v;
}

function parseJson(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text, revive as (key: string, value: unknown) => unknown) };
  } catch {
    return null;
  }
}

/**
 * One argument: a JSON value (64-bit integers as plain digits or `12n`, also inside records and
 * lists as "12n"); text that is not JSON is a string. `type` is the parameter's WIT type: a
 * `string` or `char` parameter takes the text as it is (unless it is a JSON string: `'"x"'`), a
 * float takes `NaN` and `inf`.
 */
export function parseArgument(text: string, type: string): unknown {
  if (type === 'string' || type === 'char') {
    const json = parseJson(text);
    return typeof json?.value === 'string' ? json.value : text;
  }
  if (BIGINT_TEXT.test(text)) return BigInt(text.slice(0, -1));
  if ((type === 'f32' || type === 'f64') && Object.hasOwn(FLOAT_WORDS, text)) return FLOAT_WORDS[text];
  const json = parseJson(text);
  return json ? json.value : text;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * JSON text of a component value, on one line (`spaced`: with a space after each , and :, for
 * people): u64/s64 as plain digits (JSON numbers have no size limit), `list<u8>` and other typed
 * arrays as arrays, `none` as null, NaN and infinities as strings (JSON has no such numbers), a
 * resource as the string "<resource Name>". Fields that are `undefined` (a `none`) are left out,
 * as JSON.stringify does.
 */
export function toJson(v: unknown, spaced = false): string {
  const comma = spaced ? ', ' : ',';
  switch (typeof v) {
    case 'undefined': return 'null';
    case 'boolean': return String(v);
    case 'bigint': return v.toString();
    case 'number': return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
    case 'string': return JSON.stringify(v);
    case 'object': {
      if (v === null) return 'null';
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        return `[${Array.from(v as unknown as ArrayLike<number | bigint>, (x) => toJson(x, spaced)).join(comma)}]`;
      }
      if (Array.isArray(v)) return `[${v.map((x) => toJson(x, spaced)).join(comma)}]`;
      if (!isPlainObject(v)) return JSON.stringify(`<resource ${(v.constructor as { name?: string } | undefined)?.name ?? 'object'}>`);
      const colon = spaced ? ': ' : ':';
      return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}${colon}${toJson(x, spaced)}`).join(comma)}}`;
    }
    default: return JSON.stringify(String(v));
  }
}

/**
 * How `call` prints a result. Plain text: a string or char as it is, nothing for a function
 * without a result (or whose `result<_, E>` was ok), a number, bool or 64-bit integer as its text
 * (NaN and Infinity as JavaScript writes them), anything else as JSON. With `json`: always one
 * line of JSON (`null` for no result).
 */
export function formatResult(value: unknown, resultType: string | null, json: boolean): string | null {
  if (json) return toJson(value);
  const nothing = resultType === null || resultType === 'result' || resultType.startsWith('result<_');
  if (value === undefined && nothing) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return toJson(value, true);
}
