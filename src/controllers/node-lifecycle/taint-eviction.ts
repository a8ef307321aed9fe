/**
 * When a pod on a NoExecute-tainted node must go (upstream pkg/controller/tainteviction):
 * at once if some NoExecute taint is not tolerated; never if every taint is tolerated
 * without tolerationSeconds; otherwise the smallest tolerationSeconds among the
 * tolerations in use after the pod was first found on the tainted node.
 */
import type { Pod, PodCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../api/scheduling/taints.js';

export type EvictionDecision = { kind: 'none' } | { kind: 'now' } | { kind: 'after'; seconds: number };

export function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

export function evictionDecision(pod: Pod, taints: readonly Taint[]): EvictionDecision {
  const noExecute = noExecuteTaints(taints);
  if (noExecute.length === 0) return { kind: 'none' };
  const tolerations = pod.spec?.tolerations ?? [];
  const used: Toleration[] = [];
  for (const taint of noExecute) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return { kind: 'now' };
    used.push(...matching);
  }
  const seconds = used.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null).map((t) => Math.max(0, t.tolerationSeconds!));
  if (seconds.length === 0) return { kind: 'none' };
  return { kind: 'after', seconds: Math.min(...seconds) };
}

/** The condition the taint manager puts on a pod before deleting it. */
export const TAINT_EVICTION_CONDITION: PodCondition = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByTaintManager',
  message: 'Taint manager: deleting due to NoExecute taint',
};

/** The pod's Ready condition set False (upstream MarkPodsNotReady); undefined if not Ready now. */
export function notReadyConditions(pod: Pod, nowIso: string): PodCondition[] | undefined {
  const conditions = pod.status?.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === 'Ready');
  if (i < 0 || conditions[i]!.status !== 'True') return undefined;
  const next = [...conditions];
  next[i] = { ...conditions[i]!, status: 'False', lastTransitionTime: nowIso };
  return next;
}

/** The pod's conditions with `condition` set (kept as is if already there with that status). */
export function withCondition(pod: Pod, condition: PodCondition, nowIso: string): PodCondition[] {
  const conditions = [...(pod.status?.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === condition.type);
  if (i >= 0 && conditions[i]!.status === condition.status) return conditions;
  const next = { ...condition, lastTransitionTime: nowIso };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return conditions;
}
