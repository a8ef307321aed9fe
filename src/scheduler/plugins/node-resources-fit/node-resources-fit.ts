/**
 * NodeResourcesFit: the pod's requests (resources.ts) must fit in what the node's pods
 * leave of its allocatable — cpu, memory, ephemeral-storage, extended resources, and the
 * pod count. Scores with upstream's default LeastAllocated strategy over cpu and memory
 * (weight 1 each), counting containers without requests at the non-zero defaults.
 */
import { CPU, MEMORY } from '../../resources.js';
import type { NodeInfo } from '../../node-info.js';
import { MAX_NODE_SCORE, unschedulable, type Plugin } from '../../types.js';

export const NAME = 'NodeResourcesFit';
export const TOO_MANY_PODS = 'Too many pods';
export const insufficient = (resource: string) => `Insufficient ${resource}`;

/** Upstream leastRequestedScore: the share of the node left free, 0–100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function newNodeResourcesFit(): Plugin {
  return {
    name: NAME,
    events: ['Node/Add', 'Node/UpdateAllocatable', 'Pod/Delete'],
    filter(_state, pod, node) {
      let reasons: string[] | undefined;
      // Upstream's order: pods, cpu, memory, ephemeral-storage, extended resources.
      if (node.pods.size + 1 > node.allocatablePods) (reasons ??= []).push(TOO_MANY_PODS);
      if (pod.cpuRequest > 0 && pod.cpuRequest > node.allocatableCpu - node.requestedCpu) (reasons ??= []).push(insufficient(CPU));
      if (pod.memoryRequest > 0 && pod.memoryRequest > node.allocatableMemory - node.requestedMemory) {
        (reasons ??= []).push(insufficient(MEMORY));
      }
      const entries = pod.otherRequests;
      for (let i = 0; i < entries.length; i++) {
        const [name, want] = entries[i]!;
        const free = (node.allocatable.get(name) ?? 0) - (node.requested.get(name) ?? 0);
        if (want > free) (reasons ??= []).push(insufficient(name));
      }
      return reasons ? unschedulable(...reasons) : undefined;
    },
    score(_state, pod, node: NodeInfo) {
      const cpu = leastRequestedScore(node.nonZeroCpu + pod.nonZeroCpu, node.allocatableCpu);
      const memory = leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, node.allocatableMemory);
      return Math.trunc((cpu + memory) / 2);
    },
  };
}
