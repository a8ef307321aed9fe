/**
 * The scheduling framework's contract (upstream framework/interface.go, reduced to the
 * extension points Skiff runs): a plugin is one object with any of preFilter, filter,
 * preScore, score and normalizeScore, and names the cluster events that could make a
 * pod it rejected schedulable. Statuses carry upstream's codes and reason strings.
 */
import type { NodeInfo } from './node-info.js';
import type { AffinityTerm, NamespaceLabels, PodInfo } from './pod-info.js';

export type Code = 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export interface Status {
  code: Code;
  reasons: string[];
  /** The plugin that returned it (filled in by the framework). */
  plugin?: string;
}

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const skip = (): Status => ({ code: 'Skip', reasons: [] });

/** Per-cycle scratch space where a plugin's preFilter/preScore leaves data for its filter/score. */
export type CycleState = Map<string, unknown>;

/** Pods with the same namespace and labels (one workload, usually), counted per node. */
export interface PodGroup {
  sample: PodInfo;
  nodes: Map<string, number>;
}

/** Equal required anti-affinity terms of placed pods, counted per node. */
export interface TermGroup {
  term: AffinityTerm;
  nodes: Map<string, number>;
}

/** The nodes as the cache sees them at the start of a scheduling cycle. */
export interface Snapshot {
  nodes: readonly NodeInfo[];
  /** Nodes holding pods whose affinity terms bear on scoring others. */
  nodesWithAffinityPods(): readonly NodeInfo[];
  /** Placed pods grouped by namespace and labels: selectors are matched once per group. */
  podGroups(): Iterable<PodGroup>;
  antiAffinityGroups(): Iterable<TermGroup>;
  get(name: string): NodeInfo | undefined;
  namespaceLabels: NamespaceLabels;
  /** On how many nodes an image (normalized name) is present. */
  imageNodeCount(image: string): number;
}

/**
 * What can happen in the cluster (upstream ClusterEvent, resource/action): used to move
 * unschedulable pods back to the queue only when the event could help them.
 */
export type ClusterEvent =
  | 'Node/Add'
  | 'Node/Delete'
  | 'Node/UpdateAllocatable'
  | 'Node/UpdateLabel'
  | 'Node/UpdateTaint'
  | 'Pod/Add'
  | 'Pod/Update'
  | 'Pod/Delete'
  | 'PersistentVolume/Change'
  | 'PersistentVolumeClaim/Change'
  | 'StorageClass/Change';

export interface Plugin {
  readonly name: string;
  /** Events that could make a pod this plugin rejected schedulable. */
  readonly events?: readonly ClusterEvent[];
  preFilter?(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | undefined;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status | undefined;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales raw scores to 0–100 in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
}

export interface NodeScore {
  name: string;
  score: number;
}

export const MAX_NODE_SCORE = 100;

/** Upstream helper.DefaultNormalizeScore: scale to 0–100 by the maximum, optionally reversed. */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = MAX_NODE_SCORE;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((MAX_NODE_SCORE * s.score) / max);
    if (reverse) v = MAX_NODE_SCORE - v;
    s.score = v;
  }
}
