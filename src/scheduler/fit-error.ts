/**
 * The FailedScheduling message, worded as upstream's FitError: "0/N nodes are available:"
 * then either the PreFilter's message or a histogram of per-node reasons ("2 Insufficient
 * cpu, 1 node(s) had untolerated taint {k: v}"), sorted as strings, then the preemption
 * summary.
 */
import type { Diagnosis } from './framework.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export function reasonHistogram(statuses: Iterable<{ reasons: string[] }>): string {
  const counts = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(', ');
}

export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis, postFilterMessage?: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMessage) msg += ` ${diagnosis.preFilterMessage}.`;
  else msg += ` ${reasonHistogram(diagnosis.nodeStatus.values())}.`;
  if (postFilterMessage) msg += ` ${postFilterMessage}`;
  return msg;
}
