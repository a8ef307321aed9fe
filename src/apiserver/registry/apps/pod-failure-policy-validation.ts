/**
 * Upstream validatePodFailurePolicy for a Job spec: the pod template must use restartPolicy
 * Never; at most 20 rules, each with a known action (FailIndex only with
 * backoffLimitPerIndex) and exactly one of onExitCodes (operator In/NotIn, a known
 * container name, 1–255 distinct values in ascending order, no 0 with In) and
 * onPodConditions (at most 20 patterns, each a qualified condition type and a status of
 * True, False or Unknown).
 */
import type { FieldError } from '../../../api/errors.js';
import { isQualifiedName } from '../../../api/validation/names.js';

const MAX_RULES = 20;
const MAX_EXIT_CODE_VALUES = 255;
const MAX_CONDITION_PATTERNS = 20;
const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const OPERATORS = ['In', 'NotIn'];
const STATUSES = ['False', 'True', 'Unknown'];

/**
 * An enumerated field as upstream checks it: Required (with Go's %q of the list) when
 * empty, NotSupported (values quoted, comma-separated) when outside `allowed`.
 */
function enumErrors(field: string, value: unknown, allowed: string[]): FieldError[] {
  const quoted = allowed.map((v) => JSON.stringify(v));
  if (value === undefined || value === null || value === '') return [{ type: 'FieldValueRequired', field, detail: `valid values: [${quoted.join(' ')}]` }];
  if (!allowed.includes(String(value))) return [{ type: 'FieldValueNotSupported', field, value, detail: `supported values: ${quoted.join(', ')}` }];
  return [];
}

interface ExitCodes {
  containerName?: unknown;
  operator?: unknown;
  values?: unknown;
}

interface Rule {
  action?: unknown;
  onExitCodes?: ExitCodes | null;
  onPodConditions?: unknown;
}

function exitCodeErrors(req: ExitCodes, path: string, containers: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const { operator, containerName } = req;
  errors.push(...enumErrors(`${path}.operator`, operator, OPERATORS));
  if (typeof containerName === 'string' && !containers.has(containerName)) {
    errors.push({ type: 'FieldValueInvalid', field: `${path}.containerName`, value: containerName, detail: 'must be one of the container or initContainer names in the pod template' });
  }
  const values = Array.isArray(req.values) ? (req.values as unknown[]) : [];
  const valuesPath = `${path}.values`;
  if (values.length === 0) errors.push({ type: 'FieldValueInvalid', field: valuesPath, value: values, detail: 'at least one value is required' });
  else if (values.length > MAX_EXIT_CODE_VALUES) errors.push({ type: 'FieldValueTooMany', field: valuesPath, detail: `${values.length}: must have at most ${MAX_EXIT_CODE_VALUES} items` });
  const seen = new Set<unknown>();
  let ordered = true;
  values.forEach((v, j) => {
    if (operator === 'In' && v === 0) errors.push({ type: 'FieldValueInvalid', field: `${valuesPath}[${j}]`, value: v, detail: 'must not be 0 for the In operator' });
    if (seen.has(v)) errors.push({ type: 'FieldValueDuplicate', field: `${valuesPath}[${j}]`, value: v, detail: '' });
    else seen.add(v);
    if (j > 0 && (values[j - 1] as number) > (v as number)) ordered = false;
  });
  if (!ordered) errors.push({ type: 'FieldValueInvalid', field: valuesPath, value: values, detail: 'must be ordered' });
  return errors;
}

function conditionErrors(patterns: unknown[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (patterns.length > MAX_CONDITION_PATTERNS) errors.push({ type: 'FieldValueTooMany', field: path, detail: `${patterns.length}: must have at most ${MAX_CONDITION_PATTERNS} items` });
  patterns.forEach((raw, j) => {
    const pattern = (raw ?? {}) as { type?: unknown; status?: unknown };
    const type = typeof pattern.type === 'string' ? pattern.type : '';
    for (const detail of isQualifiedName(type)) errors.push({ type: 'FieldValueInvalid', field: `${path}[${j}].type`, value: type, detail });
    errors.push(...enumErrors(`${path}[${j}].status`, pattern.status, STATUSES));
  });
  return errors;
}

export function validatePodFailurePolicy(spec: Record<string, unknown>): FieldError[] {
  const policy = spec['podFailurePolicy'] as { rules?: unknown } | null | undefined;
  if (policy === undefined || policy === null) return [];
  const errors: FieldError[] = [];
  const templateSpec = ((spec['template'] as { spec?: Record<string, unknown> } | undefined)?.spec ?? {}) as { restartPolicy?: unknown; containers?: { name?: string }[]; initContainers?: { name?: string }[] };
  // Other restart policies are reported by the template checks; OnFailure is refused here.
  if (templateSpec.restartPolicy === 'OnFailure') {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.template.spec.restartPolicy', value: 'OnFailure', detail: 'only "Never" is supported when podFailurePolicy is specified' });
  }
  const rules = Array.isArray(policy.rules) ? (policy.rules as unknown[]) : [];
  const rulesPath = 'spec.podFailurePolicy.rules';
  if (rules.length > MAX_RULES) errors.push({ type: 'FieldValueTooMany', field: rulesPath, detail: `${rules.length}: must have at most ${MAX_RULES} items` });
  const containers = new Set([...(templateSpec.containers ?? []), ...(templateSpec.initContainers ?? [])].map((c) => c?.name ?? ''));
  rules.forEach((raw, i) => {
    const rule = (raw ?? {}) as Rule;
    const path = `${rulesPath}[${i}]`;
    const action = rule.action;
    if (action !== 'FailIndex') errors.push(...enumErrors(`${path}.action`, action, ACTIONS));
    else if (spec['backoffLimitPerIndex'] == null) errors.push({ type: 'FieldValueInvalid', field: `${path}.action`, value: action, detail: 'requires the backoffLimitPerIndex to be set' });
    const exitCodes = rule.onExitCodes ?? undefined;
    const conditions = Array.isArray(rule.onPodConditions) ? (rule.onPodConditions as unknown[]) : [];
    if (exitCodes) errors.push(...exitCodeErrors(exitCodes, `${path}.onExitCodes`, containers));
    if (conditions.length > 0) errors.push(...conditionErrors(conditions, `${path}.onPodConditions`));
    if (exitCodes && conditions.length > 0) errors.push({ type: 'FieldValueInvalid', field: path, omitValue: true, detail: 'specifying both OnExitCodes and OnPodConditions is not supported' });
    if (!exitCodes && conditions.length === 0) errors.push({ type: 'FieldValueInvalid', field: path, omitValue: true, detail: 'specifying one of OnExitCodes and OnPodConditions is required' });
  });
  return errors;
}
