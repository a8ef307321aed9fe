/**
 * Name and metadata validation, worded exactly like upstream's
 * k8s.io/apimachinery/pkg/util/validation and pkg/api/validation (as of Kubernetes 1.32):
 * DNS-1123 subdomains and labels, DNS-1035 labels, qualified names (label keys), label
 * values, path-segment names, and the ObjectMeta checks every kind runs (name /
 * generateName / namespace, generation, labels, annotations, finalizers). The messages
 * reach kubectl users inside 422 `Invalid` responses, so their wording is wire contract.
 * Pure functions: lengths are measured in UTF-8 bytes, as Go's len() does.
 */
import type { FieldError } from '../errors.js';

/** Go's len(): the UTF-8 byte length of a string. */
export function byteLength(s: string): number {
  // Node's native count: the same UTF-8 length (a lone surrogate counts as the 3 bytes of
  // U+FFFD), without a JS loop over annotation values that may be kilobytes long.
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Strings a validator has passed, kept (up to a bound) so that the label keys and values
 * every object repeats are checked once, not split and matched on every write.
 */
class PassedStrings {
  private readonly passed = new Set<string>();
  constructor(private readonly check: (value: string) => string[]) {}

  errors(value: string): string[] {
    if (this.passed.has(value)) return [];
    const errs = this.check(value);
    if (errs.length === 0) {
      if (this.passed.size >= 4096) this.passed.clear();
      this.passed.add(value);
    }
    return errs;
  }
}

// ---------------------------------------------------------------------------------------
// Message builders (upstream's EmptyError, MaxLenError, RegexError).

export const emptyError = (): string => 'must be non-empty';

export const maxLenError = (length: number): string => `must be no more than ${length} characters`;

/**
 * Upstream's RegexError, including its odd spacing: examples are rendered as
 * `'a',  or 'b', ` (two spaces before "or"), which kubectl users see verbatim.
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) out += ' or ';
    out += `'${ex}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

const prefixEach = (msgs: string[], prefix: string): string[] => msgs.map((m) => prefix + m);

// ---------------------------------------------------------------------------------------
// Formats. The *_FMT strings are quoted in messages, so they stay byte-identical to Go's.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;
const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
export const DNS1035_LABEL_MAX_LENGTH = 63;
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);

const QNAME_CHAR_FMT = '[A-Za-z0-9]';
const QNAME_EXT_CHAR_FMT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QNAME_CHAR_FMT}${QNAME_EXT_CHAR_FMT}*)?${QNAME_CHAR_FMT}`;
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const QUALIFIED_NAME_MAX_LENGTH = 63;
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME_FMT}$`);

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LABEL_VALUE_MAX_LENGTH = 63;
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);

// ---------------------------------------------------------------------------------------
// The Is* checks: each returns the list of problems, empty when valid.

export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRe.test(value)) {
    // A valid subdomain that is not a valid label can only be failing because of dots
    // (length was reported above), and upstream says so plainly.
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/**
 * A "qualified name": optional DNS-1123 subdomain prefix and '/', then a name of at most
 * 63 characters. Label keys, annotation keys and finalizers use it.
 */
function checkQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else {
      const msgs = isDns1123Subdomain(prefix);
      if (msgs.length > 0) errs.push(...prefixEach(msgs, 'prefix part '));
    }
  } else {
    // 1.32 wording; newer releases say "a valid label key" here.
    errs.push(
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return errs;
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

const qualifiedNames = new PassedStrings(checkQualifiedName);

export function isQualifiedName(value: string): string[] {
  return qualifiedNames.errors(value);
}

/** Label keys are qualified names. */
export const isValidLabelKey = isQualifiedName;

function checkLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRe.test(value)) errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const labelValues = new PassedStrings(checkLabelValue);

export function isValidLabelValue(value: string): string[] {
  return labelValues.errors(value);
}

/** Names that would break the REST path they appear in (k8s.io/apimachinery/pkg/api/validation/path). */
export function isValidPathSegmentName(name: string): string[] {
  for (const illegal of ['.', '..']) {
    if (name === illegal) return [`may not be '${illegal}'`];
  }
  return isValidPathSegmentPrefix(name);
}

export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = [];
  for (const illegal of ['/', '%']) {
    if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// Name validators: (name, prefix) => problems. `prefix` is true for generateName, where a
// random suffix is appended, so a trailing '-' must be accepted.

export type NameValidator = (name: string, prefix: boolean) => string[];

/**
 * Upstream's maskTrailingDash, quirk included: it drops the last two characters and appends
 * "a". Only whether the result validates matters, and diverging would change which
 * generateNames are accepted.
 */
export function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return `${name.slice(0, -2)}a`;
  return name;
}

export const nameIsDnsSubdomain: NameValidator = (name, prefix) => isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);

export const nameIsDnsLabel: NameValidator = (name, prefix) => isDns1123Label(prefix ? maskTrailingDash(name) : name);

export const nameIsDns1035Label: NameValidator = (name, prefix) => isDns1035Label(prefix ? maskTrailingDash(name) : name);

/** The generic check the registry runs for every kind before storing (rest.BeforeCreate). */
export const validatePathSegmentName: NameValidator = (name, prefix) =>
  prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);

/** Namespaces are DNS-1123 labels. */
export const validateNamespaceName: NameValidator = nameIsDnsLabel;

// ---------------------------------------------------------------------------------------
// ObjectMeta checks returning field errors.

/** The metadata fields these helpers read; a structural subset of ObjectMeta. */
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  generation?: number;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  finalizers?: string[] | null;
}

/** Total size of all annotation keys and values, 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const invalidField = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  value,
  detail,
});

/** Upstream's metav1validation.ValidateLabelName: every problem reported against `path`. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalidField(path, name, msg));
}

/**
 * metadata.labels: keys are qualified names, values label values. Errors are reported on
 * the map's path, not the key's, as upstream does.
 */
export function validateLabels(labels: Record<string, string> | null | undefined, path = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    for (const msg of isValidLabelValue(v)) errs.push(invalidField(path, v, msg));
  }
  return errs;
}

/**
 * metadata.annotations: keys are qualified names compared case-insensitively, and keys plus
 * values together may not exceed 256 KiB.
 */
export function validateAnnotations(
  annotations: Record<string, string> | null | undefined,
  path = 'metadata.annotations',
): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalidField(path, k, msg));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push({
      type: 'FieldValueTooLong',
      field: path,
      value: '<value omitted>',
      detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT_BYTES} bytes`,
    });
  }
  return errs;
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** metadata.finalizers: qualified names; orphan and foregroundDeletion are mutually exclusive. */
export function validateFinalizers(finalizers: string[] | null | undefined, path = 'metadata.finalizers'): FieldError[] {
  const errs: FieldError[] = [];
  if (!finalizers) return errs;
  for (const f of finalizers) {
    for (const msg of isQualifiedName(f)) errs.push(invalidField(path, f, msg));
  }
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(invalidField(path, finalizers, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`));
  }
  return errs;
}

export interface ObjectMetaNameOptions {
  /** Whether the kind is namespaced: a namespace is then required, otherwise forbidden. */
  namespaced: boolean;
  /** The kind's name rule (nameIsDnsSubdomain for most kinds). */
  nameFn: NameValidator;
  /** Path of the metadata object; `metadata` by default. */
  path?: string;
}

/** metadata.generateName, metadata.name and metadata.namespace, in upstream's order. */
export function validateObjectMetaNames(meta: ObjectMetaLike, opts: ObjectMetaNameOptions): FieldError[] {
  const base = opts.path ?? 'metadata';
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  const name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  if (generateName.length > 0) {
    for (const msg of opts.nameFn(generateName, true)) errs.push(invalidField(`${base}.generateName`, generateName, msg));
  }
  if (name.length === 0) {
    errs.push({ type: 'FieldValueRequired', field: `${base}.name`, detail: 'name or generateName is required' });
  } else {
    for (const msg of opts.nameFn(name, false)) errs.push(invalidField(`${base}.name`, name, msg));
  }
  if (opts.namespaced) {
    if (namespace.length === 0) errs.push({ type: 'FieldValueRequired', field: `${base}.namespace`, detail: '' });
    else for (const msg of validateNamespaceName(namespace, false)) errs.push(invalidField(`${base}.namespace`, namespace, msg));
  } else if (namespace.length > 0) {
    errs.push({ type: 'FieldValueForbidden', field: `${base}.namespace`, detail: 'not allowed on this type' });
  }
  return errs;
}

/**
 * Upstream's ValidateObjectMetaAccessor minus ownerReferences and managedFields: names,
 * generation, labels, annotations and finalizers.
 */
export function validateObjectMeta(meta: ObjectMetaLike, opts: ObjectMetaNameOptions): FieldError[] {
  const base = opts.path ?? 'metadata';
  const errs = validateObjectMetaNames(meta, opts);
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(invalidField(`${base}.generation`, meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, `${base}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${base}.annotations`));
  errs.push(...validateFinalizers(meta.finalizers, `${base}.finalizers`));
  return errs;
}
