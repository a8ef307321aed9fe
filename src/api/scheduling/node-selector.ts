/**
 * Node selection as upstream's nodeaffinity helpers: a pod's nodeSelector map and its
 * required node affinity (terms ORed; within a term, matchExpressions on labels and
 * matchFields on metadata.name ANDed; an empty term matches nothing).
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';

function intValue(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

export function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const actual = intValue(value);
      const bound = intValue(values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

export function termMatchesNode(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs) if (!requirementMatches(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name' || !requirementMatches(f, nodeName)) return false;
  }
  return true;
}

/** Whether the node satisfies the pod's nodeSelector and required node affinity. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, nodeName: string, labels: Record<string, string>): boolean {
  const selector = pod.spec?.nodeSelector;
  if (selector) for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return (required.nodeSelectorTerms ?? []).some((t) => termMatchesNode(t, nodeName, labels));
  return true;
}
