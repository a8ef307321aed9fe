/**
 * Builders for scheduler unit tests: Nodes and Pods with just the fields a test cares
 * about, a cache filled with them, and the plugin-level calls (filter, score) the
 * framework would make.
 */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import type { NodeInfo } from '../../src/scheduler/node-info.js';
import { podInfo } from '../../src/scheduler/pod-info.js';
import type { CycleState, NodeScore, Plugin, Snapshot, Status } from '../../src/scheduler/types.js';

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  extra?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', 'ephemeral-storage': '100Gi', ...o.extra };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable, ...(o.images ? { images: o.images } : {}) },
  };
}

let seq = 0;

export function makePod(name: string, spec: Partial<NonNullable<Pod['spec']>> & { requests?: Record<string, string> } = {}, labels: Record<string, string> = {}, namespace = 'default'): Pod {
  const { requests, ...rest } = spec;
  const container: Container = { name: 'c', image: 'busybox', ...(requests ? { resources: { requests } } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels, uid: `uid-${name}`, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + seq++ * 1000).toISOString() },
    spec: { containers: [container], ...rest },
  };
}

/** A cache holding the nodes and the pods (each with spec.nodeName set). */
export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

export function snapshotOf(cache: SchedulerCache, nsLabels: Record<string, Record<string, string>> = {}): Snapshot {
  return cache.snapshot((ns) => nsLabels[ns]);
}

export const onNode = (pod: Pod, node: string): Pod => ({ ...pod, spec: { ...pod.spec!, nodeName: node } });

/** Runs preFilter (if any) and filter of one plugin against every node: name → status. */
export function filterAll(plugin: Plugin, pod: Pod, snapshot: Snapshot): Map<string, Status | undefined> {
  const state: CycleState = new Map();
  const info = podInfo(pod);
  const pre = plugin.preFilter?.(state, info, snapshot);
  const out = new Map<string, Status | undefined>();
  for (const n of snapshot.nodes) out.set(n.name, pre && pre.code !== 'Skip' ? pre : pre?.code === 'Skip' ? undefined : plugin.filter!(state, info, n));
  return out;
}

/** Runs preScore, score and normalizeScore of one plugin: name → normalised score. */
export function scoreAll(plugin: Plugin, pod: Pod, snapshot: Snapshot, nodes: readonly NodeInfo[] = snapshot.nodes): Map<string, number> {
  const state: CycleState = new Map();
  const info = podInfo(pod);
  plugin.preFilter?.(state, info, snapshot);
  const pre = plugin.preScore?.(state, info, nodes, snapshot);
  if (pre?.code === 'Skip') return new Map(nodes.map((n) => [n.name, 0]));
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score!(state, info, n) }));
  plugin.normalizeScore?.(state, info, scores);
  return new Map(scores.map((s) => [s.name, s.score]));
}
