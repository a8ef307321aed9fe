/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in
 * similar proportions with the pod placed — 100 × (1 − standard deviation of the two
 * fractions). Uses real requests, as upstream; pods requesting neither are not scored.
 */
import { MAX_NODE_SCORE, skip, type Plugin } from '../../types.js';

export const NAME = 'NodeResourcesBalancedAllocation';

export function balancedScore(fractions: number[]): number {
  const capped = fractions.map((f) => Math.min(f, 1));
  const mean = capped.reduce((a, b) => a + b, 0) / capped.length;
  const variance = capped.reduce((a, f) => a + (f - mean) ** 2, 0) / capped.length;
  return Math.trunc((1 - Math.sqrt(variance)) * MAX_NODE_SCORE);
}

export function newNodeResourcesBalancedAllocation(): Plugin {
  return {
    name: NAME,
    preScore(_state, pod) {
      return pod.cpuRequest === 0 && pod.memoryRequest === 0 ? skip() : undefined;
    },
    score(_state, pod, node) {
      const cpuAlloc = node.allocatableCpu;
      const memAlloc = node.allocatableMemory;
      if (cpuAlloc === 0 || memAlloc === 0) {
        // One resource reported: a single fraction has no spread.
        return cpuAlloc === 0 && memAlloc === 0 ? 0 : MAX_NODE_SCORE;
      }
      const cpu = Math.min((node.requestedCpu + pod.cpuRequest) / cpuAlloc, 1);
      const memory = Math.min((node.requestedMemory + pod.memoryRequest) / memAlloc, 1);
      // The standard deviation of two values is half their distance.
      return Math.trunc((1 - Math.abs(cpu - memory) / 2) * MAX_NODE_SCORE);
    },
  };
}
