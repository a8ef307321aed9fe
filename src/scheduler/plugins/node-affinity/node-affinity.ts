/**
 * NodeAffinity: the pod's nodeSelector and required node affinity filter nodes; its
 * preferred terms score them by the summed weights of the terms each node matches.
 */
import { podMatchesNodeSelectorAndAffinity, termMatchesNode } from '../../../api/scheduling/node-selector.js';
import { defaultNormalizeScore, unresolvable, type Plugin } from '../../types.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON = "node(s) didn't match Pod's node affinity/selector";

export function newNodeAffinity(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add', 'Node/UpdateLabel'],
    filter(_state, pod, node) {
      return podMatchesNodeSelectorAndAffinity(pod.pod, node.name, node.labels) ? undefined : unresolvable(ERR_REASON);
    },
    score(_state, pod, node) {
      let total = 0;
      for (const p of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (p.weight !== 0 && termMatchesNode(p.preference, node.name, node.labels)) total += p.weight;
      }
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false);
    },
  };
}
