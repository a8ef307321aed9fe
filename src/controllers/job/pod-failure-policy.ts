/**
 * spec.podFailurePolicy (upstream pod_failure_policy.go): the first rule that matches a
 * failed pod decides — by a non-zero exit code of a terminated container (onExitCodes,
 * In / NotIn, optionally one container) or by a pod condition (onPodConditions) — whether
 * the Job fails at once (FailJob), the failure is not counted against backoffLimit
 * (Ignore), counted as usual (Count), or fails the pod's index (FailIndex).
 */
import type { Job, PodFailurePolicyOnExitCodesRequirement } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PolicyMatch {
  /** Set when a FailJob rule matched: the Job's failure message. */
  failJobMessage?: string;
  /** Whether the failure counts toward backoffLimit. */
  countFailed: boolean;
  action?: PodFailurePolicyAction;
}

function exitCodeMatches(code: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  if (req.operator === 'In') return req.values.includes(code);
  if (req.operator === 'NotIn') return !req.values.includes(code);
  return false;
}

function matchingContainer(statuses: ContainerStatus[] | undefined, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  return (statuses ?? []).find((s) => {
    const t = s.state?.terminated;
    if (!t || t.exitCode === 0) return false;
    if (req.containerName !== undefined && req.containerName !== s.name) return false;
    return exitCodeMatches(t.exitCode, req);
  });
}

export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch {
  const policy = job.spec?.podFailurePolicy;
  if (!policy) return { countFailed: true };
  const where = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  for (const [i, rule] of policy.rules.entries()) {
    const action = rule.action as PodFailurePolicyAction;
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const c = matchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ?? matchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes);
      if (!c) continue;
      failJobMessage = `Container ${c.name} for pod ${where} failed with exit code ${c.state!.terminated!.exitCode} matching ${action} rule at index ${i}`;
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && (p.status ?? 'True') === pc.status));
      if (!cond) continue;
      failJobMessage = `Pod ${where} has condition ${cond.type} matching ${action} rule at index ${i}`;
    } else continue;
    switch (action) {
      case 'Ignore':
        return { countFailed: false, action };
      case 'Count':
      case 'FailIndex':
        return { countFailed: true, action };
      case 'FailJob':
        return { failJobMessage, countFailed: true, action };
      default:
        continue;
    }
  }
  return { countFailed: true };
}
