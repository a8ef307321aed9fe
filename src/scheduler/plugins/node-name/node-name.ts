/** NodeName: a pod that names a node (spec.nodeName) fits only that node. */
import { unresolvable, type Plugin } from '../../types.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

export function newNodeName(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add'],
    filter(_state, pod, node) {
      const wanted = pod.pod.spec?.nodeName;
      return wanted && wanted !== node.name ? unresolvable(ERR_REASON) : undefined;
    },
  };
}
