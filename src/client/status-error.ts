/**
 * Non-success answers become ApiError, built from the Status the server returned (code,
 * reason, message, details), so a client sees the same typed error the server threw.
 * Bodies that are not a Status (a proxy's text, an empty body) still get the reason
 * upstream's client derives from the HTTP code.
 */
import { ApiError, type StatusDetails, type StatusReason } from '../api/errors.js';
import { isPlainObject } from '../api/object.js';

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The ApiError a Status object describes. `httpStatus` wins when the body has no code. */
export function errorFromStatus(status: unknown, httpStatus?: number): ApiError {
  const s = isPlainObject(status) ? status : {};
  const code = typeof s['code'] === 'number' && s['code'] > 0 ? s['code'] : (httpStatus ?? 500);
  const reason = typeof s['reason'] === 'string' && s['reason'] ? (s['reason'] as StatusReason) : (REASON_BY_CODE[code] ?? 'InternalError');
  const message = typeof s['message'] === 'string' && s['message'] ? s['message'] : `the server responded with status ${code}`;
  const details = isPlainObject(s['details']) ? (s['details'] as StatusDetails) : undefined;
  return new ApiError(code, reason, message, details);
}

/** The ApiError for a non-2xx HTTP answer with this body. */
export function errorFromResponse(status: number, body: Buffer): ApiError {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isPlainObject(parsed) && parsed['kind'] === 'Status') return errorFromStatus(parsed, status);
  return errorFromStatus({ code: status, message: text.trim() || undefined }, status);
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.code === 404;
export const isAlreadyExists = (err: unknown): boolean => err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
/** A resourceVersion too old to list or watch from: relist (client-go isExpiredError). */
export const isResourceExpired = (err: unknown): boolean => err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
