/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint, as DaemonSet pods do.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { tolerated } from '../../../api/scheduling/taints.js';
import { unresolvable, type Plugin } from '../../types.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON = 'node(s) were unschedulable';
const TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function newNodeUnschedulable(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add', 'Node/UpdateTaint'],
    filter(_state, pod, node) {
      if (!node.node?.spec?.unschedulable) return undefined;
      return tolerated(TAINT, pod.pod.spec?.tolerations ?? []) ? undefined : unresolvable(ERR_REASON);
    },
  };
}
