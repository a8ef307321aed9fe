/**
 * A PodDisruptionBudget's status as upstream's disruption controller computes it, as
 * pure functions: expected and desired healthy pods from minAvailable / maxUnavailable
 * (percentages of the controllers' scale, rounded up), healthy pods (ready, not being
 * deleted, not just evicted), the disruptedPods map cleaned of pods that went or whose
 * eviction is older than the deletion timeout, disruptionsAllowed and the
 * DisruptionAllowed condition.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { jsonEqual } from '../../api/object.js';
import { rfc3339 } from '../../api/time.js';

/** An evicted pod not marked for deletion within this long counts again (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${value}": must be an integer or a percentage`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** Whether the budget's numbers need the pods' controllers' scale (else the pod count will do). */
export function needsScale(pdb: PodDisruptionBudget): boolean {
  const spec = pdb.spec ?? {};
  return spec.maxUnavailable !== undefined || typeof spec.minAvailable === 'string';
}

/** expectedPods and desiredHealthy; `scale` is the sum of the controllers' replicas when needsScale. */
export function expectedAndDesired(pdb: PodDisruptionBudget, podCount: number, scale: number): { expected: number; desired: number } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) return { expected: scale, desired: Math.max(0, scale - scaledValue(spec.maxUnavailable, scale)) };
  if (typeof spec.minAvailable === 'number') return { expected: podCount, desired: spec.minAvailable };
  if (typeof spec.minAvailable === 'string') return { expected: scale, desired: scaledValue(spec.minAvailable, scale) };
  return { expected: 0, desired: 0 };
}

const isReady = (pod: Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** The disruptedPods entries still pending, and when the earliest of them times out. */
export function pendingDisruptions(pdb: PodDisruptionBudget, pods: readonly Pod[], now: number): { disrupted: Record<string, string>; recheckAt?: number } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    if (pod.metadata?.deletionTimestamp || at === undefined) continue;
    const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expires < now) continue;
    disrupted[name] = at;
    if (recheckAt === undefined || expires < recheckAt) recheckAt = expires;
  }
  return recheckAt === undefined ? { disrupted } : { disrupted, recheckAt };
}

export function countHealthy(pods: readonly Pod[], disrupted: Record<string, string>): number {
  return pods.filter((p) => !p.metadata?.deletionTimestamp && disrupted[p.metadata?.name ?? ''] === undefined && isReady(p)).length;
}

/** Sets `type` in `conditions` the way apimeta.SetStatusCondition does (keeps the transition time if the status holds). */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : rfc3339(new Date(now));
  const merged: Condition = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c === old ? merged : c)) : [...conditions, merged];
}

export interface BudgetFacts {
  pods: readonly Pod[];
  /** Sum of the scale of the pods' controllers (used when needsScale). */
  scale: number;
  now: number;
}

/** The status the budget should have, or undefined when it already has it; and when to look again. */
export function desiredStatus(pdb: PodDisruptionBudget, facts: BudgetFacts): { status?: PodDisruptionBudgetStatus; recheckAt?: number } {
  const { expected, desired } = expectedAndDesired(pdb, facts.pods.length, facts.scale);
  const { disrupted, recheckAt } = pendingDisruptions(pdb, facts.pods, facts.now);
  const healthy = countHealthy(facts.pods, disrupted);
  // No expected pods means no disruption: a budget whose pods are just appearing stays safe.
  const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
  const observedGeneration = pdb.metadata?.generation ?? 0;
  const condition =
    allowed > 0
      ? { type: DISRUPTION_ALLOWED, status: 'True', reason: 'SufficientPods', message: '', observedGeneration }
      : { type: DISRUPTION_ALLOWED, status: 'False', reason: 'InsufficientPods', message: '', observedGeneration };
  const old = pdb.status;
  const conditions = setCondition(old?.conditions ?? [], condition, facts.now);
  const status: PodDisruptionBudgetStatus = {
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    disruptionsAllowed: allowed,
    observedGeneration,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    conditions,
  };
  const same =
    old &&
    old.currentHealthy === healthy &&
    old.desiredHealthy === desired &&
    old.expectedPods === expected &&
    old.disruptionsAllowed === allowed &&
    old.observedGeneration === observedGeneration &&
    jsonEqual(old.disruptedPods ?? {}, disrupted) &&
    jsonEqual(old.conditions ?? [], conditions);
  return { ...(same ? {} : { status }), ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** When the status cannot be worked out: no disruption allowed, and the reason in the condition. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: number): PodDisruptionBudgetStatus {
  const old = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  const condition = { type: DISRUPTION_ALLOWED, status: 'False', reason: 'SyncFailed', message, observedGeneration: old.observedGeneration ?? 0 };
  return { ...old, disruptionsAllowed: 0, conditions: setCondition(old.conditions ?? [], condition, now) };
}
