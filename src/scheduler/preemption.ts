/**
 * The preemption summary of a FailedScheduling message (upstream DefaultPreemption's
 * PostFilter wording). Per rejected node: "Preemption is not helpful for scheduling"
 * when the rejection cannot be resolved by removing pods, "No preemption victims found
 * for incoming pod" when removing every lower-priority pod still does not make it fit.
 * Where evicting lower-priority pods would make the pod fit, a candidate is chosen as
 * upstream's DefaultPreemption does (fewest and least important victims, reprieving
 * the most important pods first) and returned for the scheduler to act on.
 */
import type { Diagnosis, Framework } from './framework.js';
import { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { reasonHistogram } from './fit-error.js';
import type { CycleState, Snapshot } from './types.js';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface Candidate {
  node: string;
  victims: PodInfo[];
}

export type PreemptionOutcome = { kind: 'preempt'; candidate: Candidate } | { kind: 'none'; message: string };

const startTime = (p: PodInfo) => Date.parse(p.pod.status?.startTime ?? p.pod.metadata?.creationTimestamp ?? '') || 0;
/** Upstream MoreImportantPod: higher priority, then started earlier. */
const moreImportant = (a: PodInfo, b: PodInfo) => b.priority - a.priority || startTime(a) - startTime(b);

/**
 * Upstream selectVictimsOnNode: remove every lower-priority pod; if the pod then fits,
 * add them back most important first, keeping each that still leaves room.
 */
export function selectVictims(framework: Framework, state: CycleState, pod: PodInfo, node: NodeInfo): PodInfo[] | undefined {
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority).sort(moreImportant);
  if (lower.length === 0) return undefined;
  const trial = new NodeInfo(node.name, node.node);
  for (const p of node.pods.values()) if (p.priority >= pod.priority) trial.addPod(p);
  // What PreFilter counted (matching pods per domain) must lose the removed pods too: a
  // victim's anti-affinity may be what keeps the pod off this node.
  const trialState: CycleState = new Map(state);
  for (const p of lower) framework.runRemovePod(trialState, pod, p, trial);
  if (framework.runFilters(trialState, pod, trial)) return undefined;
  const victims: PodInfo[] = [];
  for (const p of lower) {
    trial.addPod(p);
    framework.runAddPod(trialState, pod, p, trial);
    if (framework.runFilters(trialState, pod, trial)) {
      trial.removePod(p.key);
      framework.runRemovePod(trialState, pod, p, trial);
      victims.push(p);
    }
  }
  return victims;
}

/** Upstream pickOneNodeForPreemption, first criteria: least important top victim, then lowest priority sum, then fewest. */
function better(a: Candidate, b: Candidate): boolean {
  const top = (c: Candidate) => Math.max(...c.victims.map((v) => v.priority));
  const sum = (c: Candidate) => c.victims.reduce((s, v) => s + v.priority, 0);
  return top(a) - top(b) < 0 || (top(a) === top(b) && (sum(a) < sum(b) || (sum(a) === sum(b) && a.victims.length < b.victims.length)));
}

export function preempt(framework: Framework, pod: PodInfo, snapshot: Snapshot, diagnosis: Diagnosis): PreemptionOutcome {
  if (pod.pod.spec?.preemptionPolicy === 'Never') return { kind: 'none', message: 'preemption: not eligible due to preemptionPolicy=Never.' };
  // Victims of an earlier preemption are still going away: wait for them rather than evict more.
  const nominated = pod.pod.status?.nominatedNodeName ? snapshot.get(pod.pod.status.nominatedNodeName) : undefined;
  if (nominated && [...nominated.pods.values()].some((p) => p.priority < pod.priority && p.pod.metadata?.deletionTimestamp)) {
    return { kind: 'none', message: 'preemption: not eligible due to a terminating pod on the nominated node.' };
  }
  const state: CycleState = new Map();
  const canTry = !diagnosis.preFilterMessage && !framework.runPreFilters(state, pod, snapshot);
  const reasons: { reasons: string[] }[] = [];
  let best: Candidate | undefined;
  for (const [name, status] of diagnosis.nodeStatus) {
    if (status.code === 'UnschedulableAndUnresolvable') {
      reasons.push({ reasons: [NOT_HELPFUL] });
      continue;
    }
    const node = canTry ? snapshot.get(name) : undefined;
    const victims = node ? selectVictims(framework, state, pod, node) : undefined;
    if (!victims) {
      reasons.push({ reasons: [NO_VICTIMS] });
      continue;
    }
    const candidate = { node: name, victims };
    if (!best || better(candidate, best)) best = candidate;
  }
  if (best) return { kind: 'preempt', candidate: best };
  return { kind: 'none', message: `preemption: 0/${snapshot.nodes.length} nodes are available: ${reasonHistogram(reasons)}.` };
}
