/**
 * What the scheduler needs of a pod, computed once per pod object: its requests (real and
 * non-zero), host ports, priority and affinity terms with selectors already parsed, so
 * filters running against thousands of nodes never parse a quantity or selector twice.
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { EVERYTHING, labelSelectorFromObject, matchLabels, type LabelSelector, type MetaLabelSelector } from '../api/labels.js';
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, podRequests, type ResourceList } from './resources.js';

export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither names nor a selector are given). */
  namespaces: Set<string>;
  /** Selects namespaces by their labels; undefined when the term has none. */
  namespaceSelector: LabelSelector | undefined;
  selector: LabelSelector;
  topologyKey: string;
  weight: number;
  /** Equal for terms that select the same pods (for per-cycle memoisation). */
  id: string;
}

export interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  key: string;
  namespace: string;
  labels: Record<string, string>;
  /** Namespace and labels as one string: pods with equal keys match the same selectors. */
  labelsKey: string;
  priority: number;
  requests: ResourceList;
  /** cpu (millicores) and memory requests as plain numbers: the fit check reads them for every node. */
  cpuRequest: number;
  memoryRequest: number;
  /** The other non-zero requests (ephemeral-storage first, then extended resources) except the pod count. */
  otherRequests: [string, number][];
  nonZeroCpu: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

/** Namespace labels by name, for terms with a namespaceSelector. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function term(pod: Pod, t: PodAffinityTerm, weight: number): AffinityTerm {
  const names = t.namespaces ?? [];
  const nsSel = t.namespaceSelector as MetaLabelSelector | undefined;
  const namespaces = new Set(names);
  if (names.length === 0 && !nsSel) namespaces.add(pod.metadata?.namespace ?? '');
  return {
    namespaces,
    namespaceSelector: nsSel ? labelSelectorFromObject(nsSel) : undefined,
    selector: labelSelectorFromObject(t.labelSelector as MetaLabelSelector | undefined),
    topologyKey: t.topologyKey,
    weight,
    id: JSON.stringify([[...namespaces].sort(), nsSel ?? null, t.labelSelector ?? null]),
  };
}

const weighted = (pod: Pod, terms: WeightedPodAffinityTerm[] | undefined) => (terms ?? []).map((w) => term(pod, w.podAffinityTerm, w.weight));

const cache = new WeakMap<Pod, PodInfo>();

function labelsKeyOf(pod: Pod): string {
  const labels = pod.metadata?.labels ?? {};
  const keys = Object.keys(labels).sort();
  let out = pod.metadata?.namespace ?? '';
  for (const k of keys) out += `\u0000${k}=${labels[k]}`;
  // Terminating pods are left out of spread counts, so they group apart.
  return pod.metadata?.deletionTimestamp ? `${out}\u0001terminating` : out;
}

export function podInfo(pod: Pod): PodInfo {
  let info = cache.get(pod);
  if (info) return info;
  const requests = podRequests(pod);
  const nonZero = podRequests(pod, true);
  const hostPorts: HostPort[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((i) => i.restartPolicy === 'Always')]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      hostPorts.push({ protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  const affinity = pod.spec?.affinity;
  info = {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? '',
    labels: (pod.metadata?.labels ?? {}) as Record<string, string>,
    labelsKey: labelsKeyOf(pod),
    priority: pod.spec?.priority ?? 0,
    requests,
    cpuRequest: requests.get(CPU) ?? 0,
    memoryRequest: requests.get(MEMORY) ?? 0,
    otherRequests: [...requests]
      .filter(([name, v]) => v > 0 && name !== PODS && name !== CPU && name !== MEMORY)
      .sort(([a], [b]) => (a === EPHEMERAL_STORAGE ? -1 : b === EPHEMERAL_STORAGE ? 1 : a < b ? -1 : a > b ? 1 : 0)),
    nonZeroCpu: nonZero.get('cpu') ?? 0,
    nonZeroMemory: nonZero.get('memory') ?? 0,
    hostPorts,
    requiredAffinity: (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => term(pod, t, 1)),
    requiredAntiAffinity: (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => term(pod, t, 1)),
    preferredAffinity: weighted(pod, affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: weighted(pod, affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  cache.set(pod, info);
  return info;
}

/** Whether `target` is a pod the term selects (namespace and labels). */
export function termMatches(t: AffinityTerm, target: PodInfo, nsLabels: NamespaceLabels): boolean {
  if (!t.namespaces.has(target.namespace)) {
    if (!t.namespaceSelector) return false;
    if (t.namespaceSelector !== EVERYTHING && !(t.namespaceSelector.requirements.length === 0 && !t.namespaceSelector.nothing)) {
      if (!matchLabels(t.namespaceSelector, nsLabels(target.namespace))) return false;
    }
  }
  return matchLabels(t.selector, target.labels);
}
