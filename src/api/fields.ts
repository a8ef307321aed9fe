/**
 * Field selectors, as k8s.io/apimachinery/pkg/fields defines them: the `fieldSelector`
 * query string (`a=b`, `a==b`, `a!=b`, comma = AND, with `\`, `,` and `=` in values
 * escaped by a backslash), matching against the flat field map a kind's strategy exposes,
 * and the 400 errors upstream returns for malformed selectors and unsupported field names.
 * Which field names a kind supports is the strategy's business, not this module's.
 * Pure functions; no I/O.
 */
import { badRequest, type ApiError } from './errors.js';
import { goQuote } from './go-quote.js';
import { compareCodePoints } from './go-semantics.js';

/** `=` and `==` are the same requirement; upstream reports both as `=`. */
export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  /** Unescaped. */
  readonly value: string;
}

export interface FieldSelector {
  /** ANDed, in upstream's order (terms sorted by their source text). */
  readonly requirements: readonly FieldRequirement[];
}

export const EVERYTHING_FIELDS: FieldSelector = Object.freeze({ requirements: Object.freeze([]) });

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Escapes `\`, `,` and `=` so any literal can be used as a selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses escapeFieldValue; throws 400 with upstream's message on a bad sequence. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go formats the rune with %v, i.e. as its code point number.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas not preceded by an escaping backslash; escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

// `!=` and `==` are tried before `=` at each position so `a==b` does not leave `=b`.
const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses the `fieldSelector` query-string syntax; `""` selects everything. Field names are
 * taken literally (no trimming, as upstream). Throws 400 BadRequest on malformed input.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort(compareCodePoints);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    reqs.push(Object.freeze({ field: t.lhs, operator: t.op === '!=' ? '!=' : '=', value }));
  }
  return Object.freeze({ requirements: Object.freeze(reqs) });
}

/** Whether the fields (missing = "") satisfy every requirement. */
export function matchFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.requirements.every((r) => {
    const actual = hasOwn(fields, r.field) ? fields[r.field]! : '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/** The field names the selector uses, in order, each once: what the server must support. */
export function requirementsOf(sel: FieldSelector): string[] {
  return [...new Set(sel.requirements.map((r) => r.field))];
}

/** The full requirements (field, operator, unescaped value). */
export function fieldRequirements(sel: FieldSelector): readonly FieldRequirement[] {
  return sel.requirements;
}

export const isEmptyFieldSelector = (sel: FieldSelector): boolean => sel.requirements.length === 0;

/** The canonical string (upstream Selector.String()): `a=b,c!=d`, values escaped. */
export function formatFieldSelector(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/** The value the selector requires `field` to equal, if it has an `=` requirement on it. */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}

/**
 * Rewrites every requirement's field and value (upstream Selector.Transform, used for
 * per-kind label conversion); a requirement mapped to an empty field and value is dropped.
 * `fn` may throw, e.g. unsupportedFieldLabel.
 */
export function transformFieldSelector(
  sel: FieldSelector,
  fn: (field: string, value: string) => { field: string; value: string },
): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const r of sel.requirements) {
    const t = fn(r.field, r.value);
    if (t.field === '' && t.value === '') continue;
    reqs.push(Object.freeze({ field: t.field, operator: r.operator, value: t.value }));
  }
  return Object.freeze({ requirements: Object.freeze(reqs) });
}

/** 400 for a field the kind does not support, worded as kinds with field conversions do. */
export function unsupportedFieldLabel(name: string): ApiError {
  return badRequest(`field label not supported: ${name}`);
}

/**
 * 400 for a field on a kind without its own field conversions (upstream
 * DefaultMetaV1FieldSelectorConversion), which allows only metadata.name and
 * metadata.namespace.
 */
export function unknownFieldSelector(name: string): ApiError {
  return badRequest(`${goQuote(name)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
}
