/**
 * `wasi:http/types#error-code` values, and how failures of `fetch` (and of reading a response
 * body) map onto them.
 */
import type { IoError } from '../io.js';

/** `wasi:http/types#error-code` in jco's shape: `{ tag }` or `{ tag, val }`. */
export type HttpErrorCode =
  | { tag: 'DNS-timeout' | 'destination-not-found' | 'destination-unavailable' | 'destination-IP-prohibited' | 'destination-IP-unroutable'
    | 'connection-refused' | 'connection-terminated' | 'connection-timeout' | 'connection-read-timeout' | 'connection-write-timeout'
    | 'connection-limit-reached' | 'TLS-protocol-error' | 'TLS-certificate-error' | 'HTTP-request-denied' | 'HTTP-request-length-required'
    | 'HTTP-request-method-invalid' | 'HTTP-request-URI-invalid' | 'HTTP-request-URI-too-long' | 'HTTP-response-incomplete'
    | 'HTTP-response-timeout' | 'HTTP-upgrade-failed' | 'HTTP-protocol-error' | 'loop-detected' | 'configuration-error' }
  | { tag: 'DNS-error'; val: { rcode?: string; infoCode?: number } }
  | { tag: 'TLS-alert-received'; val: { alertId?: number; alertMessage?: string } }
  | { tag: 'HTTP-request-body-size' | 'HTTP-response-body-size'; val: bigint | undefined }
  | { tag: 'HTTP-request-header-section-size' | 'HTTP-request-trailer-section-size' | 'HTTP-response-header-section-size' | 'HTTP-response-trailer-section-size'; val: number | undefined }
  | { tag: 'HTTP-request-header-size'; val: { fieldName?: string; fieldSize?: number } | undefined }
  | { tag: 'HTTP-request-trailer-size' | 'HTTP-response-trailer-size' | 'HTTP-response-header-size'; val: { fieldName?: string; fieldSize?: number } }
  | { tag: 'HTTP-response-transfer-coding' | 'HTTP-response-content-coding'; val: string | undefined }
  | { tag: 'internal-error'; val: string | undefined };

/**
 * An Error that carries the error-code a failure should be reported with (timeouts, refusals).
 *
 * @example
 * ```ts
 * throw new HttpFailure({ tag: 'connection-read-timeout' }, 'no body bytes for 30 s');
 * ```
 */
export class HttpFailure extends Error {
  readonly code: HttpErrorCode;
  constructor(code: HttpErrorCode, message?: string) {
    super(message ?? code.tag);
    this.name = 'HttpFailure';
    this.code = code;
  }
}

const BY_SYSTEM_CODE: Record<string, HttpErrorCode> = {
  ECONNREFUSED: { tag: 'connection-refused' },
  ECONNRESET: { tag: 'connection-terminated' },
  EPIPE: { tag: 'connection-terminated' },
  ECONNABORTED: { tag: 'connection-terminated' },
  UND_ERR_SOCKET: { tag: 'connection-terminated' },
  UND_ERR_CLOSED: { tag: 'connection-terminated' },
  ETIMEDOUT: { tag: 'connection-timeout' },
  UND_ERR_CONNECT_TIMEOUT: { tag: 'connection-timeout' },
  UND_ERR_HEADERS_TIMEOUT: { tag: 'connection-read-timeout' },
  UND_ERR_BODY_TIMEOUT: { tag: 'connection-read-timeout' },
  EHOSTUNREACH: { tag: 'destination-IP-unroutable' },
  ENETUNREACH: { tag: 'destination-IP-unroutable' },
  EHOSTDOWN: { tag: 'destination-unavailable' },
  EADDRNOTAVAIL: { tag: 'destination-IP-unroutable' },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { tag: 'HTTP-response-incomplete' },
  UND_ERR_RES_EXCEEDED_MAX_SIZE: { tag: 'HTTP-response-body-size', val: undefined },
  UND_ERR_HEADERS_OVERFLOW: { tag: 'HTTP-response-header-section-size', val: undefined },
  EPROTO: { tag: 'TLS-protocol-error' },
  ERR_TLS_CERT_ALTNAME_INVALID: { tag: 'TLS-certificate-error' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { tag: 'TLS-certificate-error' },
  SELF_SIGNED_CERT_IN_CHAIN: { tag: 'TLS-certificate-error' },
};

function systemCode(code: string): HttpErrorCode | null {
  const known = BY_SYSTEM_CODE[code];
  if (known) return known;
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL' || code === 'EAI_NODATA') return { tag: 'DNS-error', val: { rcode: code } };
  if (code === 'EAI_AGAIN') return { tag: 'DNS-timeout' };
  if (code.startsWith('CERT_') || code.startsWith('UNABLE_TO_')) return { tag: 'TLS-certificate-error' };
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return { tag: 'TLS-protocol-error' };
  if (code.startsWith('HPE_')) return { tag: 'HTTP-protocol-error' };
  return null;
}

/**
 * The error-code for a failed `fetch` or body read: our own failures keep theirs, Node's errors
 * are recognised by their `code` anywhere along the `cause` chain; anything else (a browser's
 * bare "Failed to fetch") becomes `fallback` with the message.
 *
 * @example
 * ```ts
 * errorCodeOf(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })); // { tag: 'connection-refused' }
 * ```
 */
export function errorCodeOf(e: unknown, fallback: 'internal-error' | 'HTTP-response-incomplete' = 'internal-error'): HttpErrorCode {
  let cur: unknown = e;
  const messages: string[] = [];
  for (let depth = 0; depth < 6 && typeof cur === 'object' && cur !== null; depth++) {
    if (cur instanceof HttpFailure) return cur.code;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') {
      const mapped = systemCode(code);
      if (mapped) return mapped;
    }
    const m = (cur as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '') messages.push(m);
    cur = (cur as { cause?: unknown }).cause;
  }
  if (typeof cur === 'string') messages.push(cur);
  if (fallback === 'HTTP-response-incomplete') return { tag: 'HTTP-response-incomplete' };
  return { tag: 'internal-error', val: messages.length ? messages.join(': ') : String(e) };
}

/**
 * A one-line description of an error-code for messages.
 *
 * @example
 * ```ts
 * describeErrorCode({ tag: 'internal-error', val: 'boom' }); // 'internal-error (boom)'
 * ```
 */
export function describeErrorCode(code: HttpErrorCode): string {
  if (!('val' in code) || code.val === undefined) return code.tag;
  return `${code.tag} (${typeof code.val === 'object' ? JSON.stringify(code.val, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) : String(code.val)})`;
}

const ioErrorCodes = new WeakMap<IoError, HttpErrorCode>();

/**
 * Remembers that a stream error came from HTTP with this code (for `http-error-code`).
 *
 * @example
 * ```ts
 * tagIoError(streamError.val, { tag: 'HTTP-response-incomplete' });
 * ```
 */
export function tagIoError(err: IoError, code: HttpErrorCode): void {
  ioErrorCodes.set(err, code);
}

/**
 * `wasi:http/types#http-error-code`: the HTTP error-code behind a stream error, if there is one.
 *
 * @example
 * ```ts
 * try { stream.read(10n); } catch (e) { if (e.tag === 'last-operation-failed') httpErrorCode(e.val); }
 * ```
 */
export function httpErrorCode(err: IoError): HttpErrorCode | undefined {
  return ioErrorCodes.get(err);
}
