/**
 * Whether a DaemonSet belongs on a node (upstream NodeShouldRunDaemonPod): the template's
 * nodeName, nodeSelector and required node affinity must match the node, and its taints
 * must be tolerated (with the daemon tolerations added). A node whose only untolerated
 * taints are NoSchedule keeps the pods it has but gets no new one. The matching is the
 * scheduler's own (src/api/scheduling).
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { podMatchesNodeSelectorAndAffinity } from '../../api/scheduling/node-selector.js';
import { firstUntolerated } from '../../api/scheduling/taints.js';
import { podSpecForNode } from './daemon-pod.js';

export interface NodeFit {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

const hasUntolerated = (taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): boolean => firstUntolerated(taints, tolerations, effects) !== undefined;

/** The pod's nodeSelector and required node affinity (terms ORed) against the node. */
export function matchesNodeSelection(spec: PodSpec, node: Node): boolean {
  return podMatchesNodeSelectorAndAffinity({ spec }, node.metadata?.name ?? '', node.metadata?.labels ?? {});
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
