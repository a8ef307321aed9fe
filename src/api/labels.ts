/**
 * Label selectors, as k8s.io/apimachinery/pkg/labels and metav1.LabelSelector define them:
 * parsing the `labelSelector` query string (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, `a>1`, `a<1`, comma = AND), converting a metav1.LabelSelector object,
 * matching a label set, and formatting back to the canonical string. Parse errors are 400
 * BadRequest with upstream's exact message (`unable to parse requirement: …`), which
 * kubectl shows to the user. Pure functions; no I/O.
 */
import { badRequest, type FieldError } from './errors.js';
import { goQuote } from './go-quote.js';
import { isQualifiedName, isValidLabelValue, validateLabelName, validateLabels } from './validation/names.js';
import { compareCodePoints } from './go-semantics.js';

/** Upstream's selection.Operator values; their spelling appears in error messages. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated when parsed from a string; as given when built from an object. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** ANDed; sorted by key. */
  readonly requirements: readonly LabelRequirement[];
  /**
   * True only for the selector a nil metav1.LabelSelector converts to: it matches no object
   * (while a selector with no requirements matches every object).
   */
  readonly nothing: boolean;
}

/** metav1.LabelSelector as it appears in objects (spec.selector). */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: MetaLabelSelectorRequirement[] | null;
}

export interface MetaLabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

export const EVERYTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]), nothing: false });
export const NOTHING: LabelSelector = Object.freeze({ requirements: Object.freeze([]), nothing: true });

/** True if the selector does not restrict anything (upstream Selector.Empty()). */
export const isEmpty = (sel: LabelSelector): boolean => !sel.nothing && sel.requirements.length === 0;

/** True for the nil-selector conversion, which selects no object at all. */
export const matchesNothing = (sel: LabelSelector): boolean => sel.nothing;

const BINARY_OPERATORS: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const VALID_OPERATORS: readonly LabelOperator[] = [...BINARY_OPERATORS, 'exists', '!'];

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// ---------------------------------------------------------------------------------------
// Go-compatible rendering of the field errors NewRequirement produces.

/** field.Error.Error() for Invalid / NotSupported errors. */
function renderFieldError(field: string, type: 'Invalid value' | 'Unsupported value', value: unknown, detail: string): string {
  // An empty values list is a nil slice upstream, which marshals as null.
  const shown = typeof value === 'string' ? goQuote(value) : Array.isArray(value) && value.length === 0 ? 'null' : JSON.stringify(value ?? null);
  return `${field}: ${type}: ${shown}: ${detail}`;
}

/** utilerrors.Aggregate's Error(): de-duplicated, bracketed when more than one. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** A parse or validation failure, carrying upstream's message. */
interface Fail {
  readonly fail: string;
}

const isFail = (x: unknown): x is Fail => typeof x === 'object' && x !== null && 'fail' in x;

/**
 * Upstream's NewRequirement: validates key, operator and values and returns the
 * requirement, or the failure with the field errors aggregated as Go prints them.
 */
function buildRequirement(key: string, op: string, values: string[]): LabelRequirement | Fail {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(renderFieldError('key', 'Invalid value', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(renderFieldError('values', 'Invalid value', values, "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(renderFieldError('values', 'Invalid value', values, 'exact-match compatibility requires one single value'));
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(renderFieldError('values', 'Invalid value', values, 'values set must be empty for exists and does not exist'));
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(renderFieldError('values', 'Invalid value', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(renderFieldError(`values[${i}]`, 'Invalid value', v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(
        renderFieldError('operator', 'Unsupported value', op, `supported values: ${VALID_OPERATORS.map((o) => JSON.stringify(o)).join(', ')}`),
      );
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) errs.push(renderFieldError(`values[${i}][${key}]`, 'Invalid value', v, msgs.join('; ')));
  });
  if (errs.length > 0) return { fail: aggregate(errs) };
  return Object.freeze({ key, operator: op as LabelOperator, values: Object.freeze([...values]) });
}

/**
 * Builds one requirement, validated as upstream's labels.NewRequirement does; throws 400
 * BadRequest with upstream's message if it is invalid.
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[] = []): LabelRequirement {
  const r = buildRequirement(key, operator, [...values]);
  if (isFail(r)) throw badRequest(r.fail);
  return r;
}

// Go's sort.Sort is not stable; a stable sort gives the same order for distinct keys and a
// deterministic one for repeated keys.
const byKey = (a: LabelRequirement, b: LabelRequirement): number => compareCodePoints(a.key, b.key);

const selectorOf = (reqs: LabelRequirement[]): LabelSelector =>
  Object.freeze({ requirements: Object.freeze([...reqs].sort(byKey)), nothing: false });

// ---------------------------------------------------------------------------------------
// The string syntax: a byte-level lexer and a recursive-descent parser mirroring upstream's,
// so that every accepted and refused input, and every error message, is the same.

type Token =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

interface ScannedItem {
  tok: Token;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch) && ch.length === 1;

function lex(s: string): ScannedItem[] {
  const items: ScannedItem[] = [];
  let pos = 0;
  // Upstream reads bytes and treats NUL as end of input; a NUL in the string ends it too.
  const read = (): string => (pos < s.length ? s[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      // Longest special symbol that is a token: `!=` rather than `!` then `=`.
      let buffer = '';
      let last: ScannedItem | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecialSymbol(c)) {
          buffer += c;
          const tok = STRING_TO_TOKEN.get(buffer);
          if (tok) last = { tok, lit: buffer };
          else if (last) {
            pos--;
            break;
          }
        } else {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: STRING_TO_TOKEN.get(buffer) ?? 'identifier', lit: buffer });
    }
  }
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly items: ScannedItem[]) {}

  // In a values context `in` and `notin` are ordinary identifiers (`a in (in)`).
  private view(item: ScannedItem, ctx: Context): [Token, string] {
    const tok = ctx === 'values' && (item.tok === 'in' || item.tok === 'notIn') ? 'identifier' : item.tok;
    return [tok, item.lit];
  }

  lookahead(ctx: Context): [Token, string] {
    return this.view(this.items[this.position]!, ctx);
  }

  consume(ctx: Context): [Token, string] {
    // The scanned list always ends with eos, and the grammar never consumes past it.
    const item = this.items[Math.min(this.position, this.items.length - 1)]!;
    this.position++;
    return this.view(item, ctx);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const [tok, lit] = this.lookahead('values');
      if (tok === 'identifier' || tok === 'doesNotExist') {
        const r = this.parseRequirement();
        if (isFail(r)) throw new SyntaxError(`unable to parse requirement: ${r.fail}`);
        reqs.push(r);
        const [t, l] = this.consume('values');
        if (t === 'eos') return reqs;
        if (t === 'comma') {
          const [t2, l2] = this.lookahead('values');
          if (t2 !== 'identifier' && t2 !== 'doesNotExist') throw new SyntaxError(`found '${l2}', expected: identifier after ','`);
        } else {
          throw new SyntaxError(`found '${l}', expected: ',' or 'end of string'`);
        }
      } else if (tok === 'eos') {
        return reqs;
      } else {
        throw new SyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  /** A requirement, or the failure upstream wraps in "unable to parse requirement". */
  private parseRequirement(): LabelRequirement | Fail {
    const keyAndOp = this.parseKeyAndInferOperator();
    if (isFail(keyAndOp)) return keyAndOp;
    const [key, inferred] = keyAndOp;
    if (inferred === 'exists' || inferred === '!') return buildRequirement(key, inferred, []);
    const op = this.parseOperator();
    if (isFail(op)) return op;
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    if (isFail(values)) return values;
    // Upstream collects values in a set and lists it sorted.
    return buildRequirement(key, op, [...values].sort(compareCodePoints));
  }

  private parseKeyAndInferOperator(): [string, LabelOperator | undefined] | Fail {
    let operator: LabelOperator | undefined;
    let [tok, lit] = this.consume('values');
    if (tok === 'doesNotExist') {
      operator = '!';
      [tok, lit] = this.consume('values');
    }
    if (tok !== 'identifier') return { fail: `found '${lit}', expected: identifier` };
    const keyErrs = isQualifiedName(lit);
    // The parser's field path is nil upstream, which Go prints as "<nil>".
    if (keyErrs.length > 0) return { fail: renderFieldError('<nil>', 'Invalid value', lit, keyErrs.join('; ')) };
    const [next] = this.lookahead('values');
    if ((next === 'eos' || next === 'comma') && operator !== '!') operator = 'exists';
    return [lit, operator];
  }

  private parseOperator(): LabelOperator | Fail {
    const [tok, lit] = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        return { fail: `found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}` };
    }
  }

  private parseValues(): Set<string> | Fail {
    const [tok, lit] = this.consume('values');
    if (tok !== 'openPar') return { fail: `found '${lit}' expected: '('` };
    const [tok2, lit2] = this.lookahead('values');
    if (tok2 === 'identifier' || tok2 === 'comma') {
      const s = this.parseIdentifiersList();
      if (isFail(s)) return s;
      const [closing] = this.consume('values');
      // Upstream reports the token it looked at before the list, not the offending one.
      if (closing !== 'closedPar') return { fail: `found '${lit2}', expected: ')'` };
      return s;
    }
    if (tok2 === 'closedPar') {
      this.consume('values');
      return new Set(['']);
    }
    return { fail: `found '${lit2}', expected: ',', ')' or identifier` };
  }

  private parseIdentifiersList(): Set<string> | Fail {
    const s = new Set<string>();
    for (;;) {
      const [tok, lit] = this.consume('values');
      if (tok === 'identifier') {
        s.add(lit);
        const [tok2, lit2] = this.lookahead('values');
        if (tok2 === 'comma') continue;
        if (tok2 === 'closedPar') return s;
        return { fail: `found '${lit2}', expected: ',' or ')'` };
      }
      if (tok === 'comma') {
        // Empty entries (`(,a)`, `(a,)`, `(a,,b)`) stand for the empty value.
        if (s.size === 0) s.add('');
        const [tok2] = this.lookahead('values');
        if (tok2 === 'closedPar') {
          s.add('');
          return s;
        }
        if (tok2 === 'comma') {
          this.consume('values');
          s.add('');
        }
        continue;
      }
      return { fail: `found '${lit}', expected: ',', or identifier` };
    }
  }

  private parseExactValue(): Set<string> | Fail {
    const [tok] = this.lookahead('values');
    if (tok === 'eos' || tok === 'comma') return new Set(['']);
    const [tok2, lit] = this.consume('values');
    if (tok2 === 'identifier') return new Set([lit]);
    return { fail: `found '${lit}', expected: identifier` };
  }
}

/**
 * Parses the `labelSelector` query-string syntax. `""` selects everything. Throws 400
 * BadRequest with upstream's message on invalid input.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return selectorOf(new Parser(lex(s)).parse());
  } catch (err) {
    if (err instanceof SyntaxError) throw badRequest(err.message);
    throw err;
  }
}

/**
 * Converts a metav1.LabelSelector (upstream LabelSelectorAsSelector): null/undefined gives
 * NOTHING, an empty selector EVERYTHING. Invalid requirements throw 400 BadRequest; objects
 * stored through the API were already checked by validateLabelSelector.
 */
export function labelSelectorFromObject(sel: MetaLabelSelector | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const matchLabels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels);
  if (labelKeys.length + exprs.length === 0) return EVERYTHING;
  const reqs: LabelRequirement[] = [];
  for (const k of labelKeys) reqs.push(newRequirement(k, '=', [matchLabels[k]!]));
  for (const expr of exprs) {
    let op: LabelOperator;
    switch (expr.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw badRequest(`${goQuote(String(expr.operator))} is not a valid label selector operator`);
    }
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return selectorOf(reqs);
}

/** A selector matching exactly the given labels (upstream SelectorFromSet); empty → EVERYTHING. */
export function selectorFromSet(labels: Record<string, string> | null | undefined): LabelSelector {
  if (!labels) return EVERYTHING;
  return selectorOf(Object.entries(labels).map(([k, v]) => Object.freeze({ key: k, operator: '=' as const, values: Object.freeze([v]) })));
}

function matchesRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = hasOwn(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels[r.key]!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels[r.key]!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(labels[r.key]!);
      const bound = parseInt64(r.values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** Whether the label set (absent labels = empty set) satisfies every requirement. */
export function matchLabels(sel: LabelSelector, labels: Record<string, string> | null | undefined): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => matchesRequirement(r, set));
}

function formatRequirement(r: LabelRequirement): string {
  let out = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return out;
    case 'in':
      out += ' in ';
      break;
    case 'notin':
      out += ' notin ';
      break;
    case 'gt':
      out += '>';
      break;
    case 'lt':
      out += '<';
      break;
    default:
      out += r.operator;
  }
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort(compareCodePoints).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${out}(${values})` : out + values;
}

/** The canonical string form (upstream Selector.String()); NOTHING and EVERYTHING are "". */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements.map(formatRequirement).join(',');
}

/** The single value the selector requires for `key` (`key=v`, `key==v`, `key in (v)`), if any. */
export function requiresExactMatch(sel: LabelSelector, key: string): string | undefined {
  const r = sel.requirements.find((x) => x.key === key);
  if (!r) return undefined;
  if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
  return undefined;
}

export interface LabelSelectorValidationOptions {
  allowInvalidLabelValueInSelector?: boolean;
  allowUnknownOperatorInRequirement?: boolean;
}

/**
 * Field errors for a metav1.LabelSelector inside an object (upstream
 * metav1validation.ValidateLabelSelector), e.g. for `spec.selector`.
 */
export function validateLabelSelector(
  sel: MetaLabelSelector | null | undefined,
  path: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const base = `${path}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push({ type: 'FieldValueRequired', field: `${base}.values`, detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push({
            type: 'FieldValueForbidden',
            field: `${base}.values`,
            detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          });
        }
        break;
      default:
        if (!opts.allowUnknownOperatorInRequirement) {
          errs.push({ type: 'FieldValueInvalid', field: `${base}.operator`, value: expr.operator, detail: 'not a valid selector operator' });
        }
    }
    errs.push(...validateLabelName(expr.key, `${base}.key`));
    if (!opts.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(v)) {
          errs.push({ type: 'FieldValueInvalid', field: `${base}.values[${j}]`, value: v, detail: msg });
        }
      });
    }
  });
  return errs;
}
