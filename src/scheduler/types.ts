/**
 * The scheduling framework's contract (upstream framework/interface.go, reduced to the
 * extension points Skiff runs): a plugin is one object with any of preFilter, filter,
 * preScore, score and normalizeScore (the scheduling cycle), reserve/unreserve and
 * preBind (the binding cycle), and names the cluster events that could make a pod it
 * rejected schedulable. Statuses carry upstream's codes and reason strings. A plugin
 * factory gets a FrameworkHandle: the objects beyond nodes and pods it may read (volumes,
 * workloads) and the writes it may make.
 */
import type { PersistentVolume, PersistentVolumeClaim, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Clock } from '../util/clock.js';
import type { NodeInfo } from './node-info.js';
import type { PlacedCounts } from './placed-counts.js';
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
export const error = (...reasons: string[]): Status => ({ code: 'Error', reasons });

/** Per-cycle scratch space where a plugin's preFilter/preScore leaves data for its filter/score. */
export type CycleState = Map<string, unknown>;

/** Pods with the same namespace and labels (one workload, usually), counted per node. */
export interface PodGroup {
  sample: PodInfo;
  placed: PlacedCounts;
}

/** Equal required anti-affinity terms of placed pods, counted per node. */
export interface TermGroup {
  term: AffinityTerm;
  placed: PlacedCounts;
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
  /**
   * PreFilter extensions (upstream AddPod/RemovePod): bring what PreFilter computed up to
   * date as if `other` were also placed on `node` (nominated pods) or were gone from it
   * (preemption victims). Called on a copy of the cycle state: replace the entries that
   * change, never mutate them (the original state is still in use).
   */
  addPod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status | undefined;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales raw scores to 0–100 in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
  /** The pod is assumed onto the node: claim what it will use there (in memory only). */
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined;
  /** Undo reserve (binding failed or was rejected); must be idempotent. */
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  /** Binding cycle, before pods/binding: may write to the API and wait (e.g. volumes bound). */
  preBind?(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined>;
}

/** Read access to the objects beyond nodes and pods that plugins look at (informer caches). */
export interface Listers {
  persistentVolume(name: string): PersistentVolume | undefined;
  persistentVolumes(): readonly PersistentVolume[];
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  storageClass(name: string): StorageClass | undefined;
  services(namespace: string): readonly Service[];
  replicationControllers(namespace: string): readonly ReplicationController[];
  replicaSets(namespace: string): readonly ReplicaSet[];
  statefulSets(namespace: string): readonly StatefulSet[];
}

/** Writes a binding-cycle plugin may make (full-object updates, optimistic on resourceVersion). */
export interface Writer {
  updatePersistentVolume(pv: PersistentVolume): Promise<PersistentVolume>;
  updatePersistentVolumeClaim(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
}

/** What plugin factories are given (upstream framework.Handle, reduced). */
export interface FrameworkHandle {
  listers: Listers;
  writer?: Writer;
  clock: Clock;
  /** Aborted when the scheduler stops: binding-cycle waits end early. */
  signal?: AbortSignal;
  /** VolumeBinding: how long PreBind waits for claims to be bound (upstream bindTimeoutSeconds, 600). */
  volumeBindTimeoutMs?: number;
  /** VolumeBinding: how often PreBind re-checks the claims while waiting (upstream polls every 1 s). */
  volumeBindPollMs?: number;
}

const none = () => undefined;
const empty = () => [];

/** Listers with nothing in them, for frameworks run without informers (unit tests, benches). */
export const EMPTY_LISTERS: Listers = {
  persistentVolume: none,
  persistentVolumes: empty,
  persistentVolumeClaim: none,
  storageClass: none,
  services: empty,
  replicationControllers: empty,
  replicaSets: empty,
  statefulSets: empty,
};

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
