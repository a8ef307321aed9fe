/**
 * Typed API errors and their Kubernetes `Status` form. Code inside Skiff throws these;
 * the HTTP edge turns them into `kind: Status` bodies with upstream's code, reason,
 * message and details (DESIGN.md §4).
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'MethodNotAllowed'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

/** One invalid field, as in Status.details.causes. `type` is upstream's cause type. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Identifies an object in messages: `pods "web"` or `deployments.apps "web"`. */
export interface ResourceRef {
  group: string;
  resource: string;
  kind?: string;
  name?: string;
}

const qualified = (ref: ResourceRef): string => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);

const detailsOf = (ref: ResourceRef): StatusDetails => {
  const d: StatusDetails = { kind: ref.resource };
  if (ref.name !== undefined) d.name = ref.name;
  if (ref.group) d.group = ref.group;
  return d;
};

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export const notFound = (ref: ResourceRef): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(ref)} "${ref.name ?? ''}" not found`, detailsOf(ref));

export const alreadyExists = (ref: ResourceRef): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualified(ref)} "${ref.name ?? ''}" already exists`, detailsOf(ref));

export const conflict = (ref: ResourceRef, why: string): ApiError =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${ref.name ?? ''}": ${why}`, detailsOf(ref));

/** The message every client shows for a stale resourceVersion. */
export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export const gone = (message: string): ApiError => new ApiError(410, 'Expired', message);

/** Upstream's cause types for field errors. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value, shown in the message as upstream does; omitted for Required. */
  value?: unknown;
  /** Upstream's field.OmitValueType: the message names no value at all. */
  omitValue?: true;
  detail: string;
}

/** Renders one field error the way upstream's field.Error does. */
export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueForbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueTooLong':
      return `${e.field}: Too long: ${e.detail}`;
    case 'FieldValueTooMany':
      return `${e.field}: Too many: ${e.detail}`;
    case 'FieldValueDuplicate':
      return `${e.field}: Duplicate value: ${renderValue(e.value)}`;
    case 'FieldValueNotSupported':
      return `${e.field}: Unsupported value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueTypeInvalid':
      return `${e.field}: Invalid value: ${renderValue(e.value)}: ${e.detail}`;
    default:
      return `${e.field}: Invalid value: ${e.omitValue ? '' : `${renderValue(e.value)}: `}${e.detail}`;
  }
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** 422 Invalid with every field error in details.causes, worded as upstream. */
export function invalid(ref: ResourceRef & { kind: string }, errors: FieldError[]): ApiError {
  const messages = errors.map(fieldErrorMessage);
  const summary = messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${ref.kind}${ref.group ? `.${ref.group}` : ''} "${ref.name ?? ''}" is invalid: ${summary}`, {
    name: ref.name ?? '',
    ...(ref.group ? { group: ref.group } : {}),
    kind: ref.kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorMessage(e).slice(e.field.length + 2), field: e.field })),
  });
}

export const tooLarge = (message: string): ApiError => new ApiError(413, 'RequestEntityTooLarge', message);

export const unsupportedMediaType = (message: string): ApiError => new ApiError(415, 'UnsupportedMediaType', message);

export const methodNotAllowed = (message: string): ApiError => new ApiError(405, 'MethodNotAllowed', message);

export const tooManyRequests = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds });

export const internalError = (message: string): ApiError =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

export const serviceUnavailable = (message: string): ApiError => new ApiError(503, 'ServiceUnavailable', message);
