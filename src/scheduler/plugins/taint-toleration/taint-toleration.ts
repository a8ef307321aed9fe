/**
 * TaintToleration: filters out nodes with a NoSchedule or NoExecute taint the pod does not
 * tolerate, and scores nodes by how few PreferNoSchedule taints the pod leaves untolerated.
 */
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { firstUntolerated, tolerated } from '../../../api/scheduling/taints.js';
import { defaultNormalizeScore, unresolvable, type Plugin } from '../../types.js';

export const NAME = 'TaintToleration';
const PREFER_TOLERATIONS = 'TaintToleration/prefer';

export const untoleratedReason = (key: string, value: string | undefined) => `node(s) had untolerated taint {${key}: ${value ?? ''}}`;

export function newTaintToleration(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add', 'Node/UpdateTaint'],
    filter(_state, pod, node) {
      const taint = firstUntolerated(node.taints, pod.pod.spec?.tolerations ?? [], ['NoSchedule', 'NoExecute']);
      return taint ? unresolvable(untoleratedReason(taint.key, taint.value)) : undefined;
    },
    preScore(state, pod) {
      // Only tolerations that can match PreferNoSchedule count (empty effect matches all).
      state.set(PREFER_TOLERATIONS, (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
      return undefined;
    },
    score(state, _pod, node) {
      const tolerations = (state.get(PREFER_TOLERATIONS) as Toleration[] | undefined) ?? [];
      let count = 0;
      for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(taint, tolerations)) count++;
      return count;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true);
    },
  };
}
