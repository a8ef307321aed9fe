/**
 * Whether a DaemonSet belongs on a node (upstream NodeShouldRunDaemonPod): the template's
 * nodeName, nodeSelector and required node affinity must match the node, and its taints
 * must be tolerated (with the daemon tolerations added). A node whose only untolerated
 * taints are NoSchedule keeps the pods it has but gets no new one. The matching mirrors
 * the scheduler's NodeAffinity and TaintToleration filters; controllers may not import
 * the scheduler, so it lives here too.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { NODE_NAME_FIELD, podSpecForNode } from './daemon-pod.js';

export interface NodeFit {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  // An empty key with Equal tolerates nothing; validation refuses it anyway.
  if (!t.key) return false;
  return (t.value ?? '') === (taint.value ?? '');
}

function hasUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): boolean {
  return taints.some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
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
      if (value === undefined || values.length !== 1 || !/^[+-]?\d+$/.test(value) || !/^[+-]?\d+$/.test(values[0]!)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** Within a term everything must hold; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, nodeName: string, labels: Record<string, string>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((e) => requirementMatches(e, Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) &&
    fields.every((f) => f.key === NODE_NAME_FIELD && requirementMatches(f, nodeName))
  );
}

/** The pod's nodeSelector and required node affinity (terms ORed) against the node. */
export function matchesNodeSelection(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name ?? '';
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, name, labels));
}

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeFit {
  const name = node.metadata?.name ?? '';
  const templateNode = ds.spec?.template?.spec?.nodeName;
  if (templateNode && templateNode !== name) return { shouldRun: false, shouldContinueRunning: false };
  const spec = podSpecForNode(ds, name);
  if (!matchesNodeSelection(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  if (hasUntolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    // Running pods are only evicted by NoExecute taints they do not tolerate.
    return { shouldRun: false, shouldContinueRunning: !hasUntolerated(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
