/** NodePorts: a pod's host ports must be free on the node for their protocol and IP. */
import { unschedulable, type Plugin } from '../../types.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export function newNodePorts(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add', 'Pod/Delete'],
    filter(_state, pod, node) {
      for (const p of pod.hostPorts) if (node.portConflicts(p)) return unschedulable(ERR_REASON);
      return undefined;
    },
  };
}
