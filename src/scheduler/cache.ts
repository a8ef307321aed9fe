/**
 * The scheduler's cache (upstream internal/cache): NodeInfo per node with the pods bound
 * to it as the informers report them, plus pods the scheduler has *assumed* onto a node
 * at the moment it decided — so the next pod sees that usage before the binding comes
 * back through the watch. An assumed pod is confirmed when the informer reports it bound,
 * and forgotten if binding fails. With a TTL, an assumed pod whose binding finished but
 * never showed up in the informer expires after it (upstream's cache expiry; 1.32 never
 * expires, the default here too).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo, hasAffinityTerms } from './node-info.js';
import { podInfo, podKey, type NamespaceLabels, type PodInfo } from './pod-info.js';
import { PlacedCounts, type Topology } from './placed-counts.js';
import type { PodGroup, Snapshot, TermGroup } from './types.js';

/**
 * Whether two versions of a placed pod look the same to scheduling: same uid, labels and
 * terminating state. Requests, ports and affinity cannot change on a bound pod.
 */
function sameScheduling(a: Pod, b: Pod): boolean {
  if (a.metadata?.uid !== b.metadata?.uid || !!a.metadata?.deletionTimestamp !== !!b.metadata?.deletionTimestamp) return false;
  return sameLabels(a.metadata?.labels ?? {}, b.metadata?.labels ?? {});
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

interface PodState {
  info: PodInfo;
  node: string;
  assumed: boolean;
  /** Set when its binding finished: after this time an unconfirmed assumed pod expires. */
  deadline?: number;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly pods = new Map<string, PodState>();
  private readonly imageNodes = new Map<string, number>();
  private readonly podGroups = new Map<string, PodGroup>();
  private readonly antiGroups = new Map<string, TermGroup>();
  private list: NodeInfo[] | undefined;
  /** Nodes with pods whose affinity terms bear on others; rebuilt only when such a pod or a node comes or goes. */
  private affinityList: NodeInfo[] | undefined;
  /** Node labels as the groups' domain counts see them; the epoch moves when a node comes, goes or is relabelled. */
  private readonly topology: { epoch: number; labelsOf: Topology['labelsOf'] } = {
    epoch: 0,
    labelsOf: (name) => this.liveNode(name)?.labels,
  };

  nodeCount(): number {
    return this.nodeList().length;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.nodes.get(name);
    if (info?.node) this.countImages(info.node, -1);
    if (!info?.node || !sameLabels(info.labels, node.metadata?.labels ?? {})) this.topology.epoch++;
    if (!info) this.nodes.set(name, (info = new NodeInfo(name)));
    info.setNode(node);
    this.countImages(node, 1);
    this.list = undefined;
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    if (info.node) this.countImages(info.node, -1);
    this.topology.epoch++;
    // Pods still bound to a deleted node stay accounted until they go (upstream keeps a ghost).
    if (info.pods.size === 0) this.nodes.delete(name);
    else info.node = undefined;
    this.list = undefined;
  }

  /** A bound pod reported by the informer (confirms an assumed one). */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const key = podKey(pod);
    const existing = this.pods.get(key);
    if (existing && existing.node === nodeName && sameScheduling(existing.info.pod, pod)) {
      // Confirmation of an assumed pod, or a status update: what the scheduler derives is unchanged.
      existing.info.pod = pod;
      existing.assumed = false;
      return;
    }
    if (existing) this.detach(key, existing);
    const info = podInfo(pod);
    this.attach(key, { info, node: nodeName, assumed: false });
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const existing = this.pods.get(key);
    if (existing) this.detach(key, existing);
  }

  /** Accounts the pod on the node right away, before binding. */
  assumePod(info: PodInfo, nodeName: string): void {
    const existing = this.pods.get(info.key);
    if (existing) this.detach(info.key, existing);
    this.attach(info.key, { info, node: nodeName, assumed: true });
  }

  /** Undoes assumePod after a failed binding (a confirmed pod is left alone). */
  forgetPod(key: string): void {
    const existing = this.pods.get(key);
    if (existing?.assumed) this.detach(key, existing);
  }

  /** The binding call for an assumed pod returned; it may expire at `deadline` if `expires`. */
  finishBinding(key: string, deadline: number, expires: boolean): void {
    const state = this.pods.get(key);
    if (state?.assumed && expires) state.deadline = deadline;
  }

  /** Forgets assumed pods past their deadline (binding done, never confirmed); returns their keys. */
  cleanupExpiredAssumedPods(now: number): string[] {
    const expired: string[] = [];
    for (const [key, state] of this.pods) {
      if (!state.assumed || state.deadline === undefined || state.deadline > now) continue;
      this.detach(key, state);
      expired.push(key);
    }
    return expired;
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false;
  }

  /** Whether the cache accounts this pod on a node (assumed or bound). */
  hasPod(key: string): boolean {
    return this.pods.has(key);
  }

  podCount(): number {
    return this.pods.size;
  }

  snapshot(namespaceLabels: NamespaceLabels): Snapshot {
    const nodes = this.nodeList();
    const images = this.imageNodes;
    const podGroups = this.podGroups;
    const antiGroups = this.antiGroups;
    return {
      nodes,
      nodesWithAffinityPods: () => (this.affinityList ??= nodes.filter((n) => n.podsWithAffinity.size > 0)),
      podGroups: () => podGroups.values(),
      antiAffinityGroups: () => antiGroups.values(),
      get: (name) => this.liveNode(name),
      namespaceLabels,
      imageNodeCount: (image) => images.get(image) ?? 0,
    };
  }

  /** A node the cache knows as a node (not a ghost kept only for its pods). */
  private liveNode(name: string): NodeInfo | undefined {
    const n = this.nodes.get(name);
    return n?.node ? n : undefined;
  }

  private nodeList(): NodeInfo[] {
    if (!this.list) {
      this.list = [...this.nodes.values()].filter((n) => n.node);
      this.affinityList = undefined;
    }
    return this.list;
  }

  private attach(key: string, state: PodState): void {
    this.pods.set(key, state);
    let node = this.nodes.get(state.node);
    if (!node) this.nodes.set(state.node, (node = new NodeInfo(state.node)));
    node.addPod(state.info);
    if (hasAffinityTerms(state.info)) this.affinityList = undefined;
    this.group(state, 1);
  }

  private group(state: PodState, sign: 1 | -1): void {
    const info = state.info;
    let g = this.podGroups.get(info.labelsKey);
    if (!g) this.podGroups.set(info.labelsKey, (g = { sample: info, placed: new PlacedCounts(this.topology) }));
    if (g.placed.shift(state.node, sign) === 0) this.podGroups.delete(info.labelsKey);
    for (const term of info.requiredAntiAffinity) {
      const key = `${term.id}\u0000${term.topologyKey}`;
      let t = this.antiGroups.get(key);
      if (!t) this.antiGroups.set(key, (t = { term, placed: new PlacedCounts(this.topology) }));
      if (t.placed.shift(state.node, sign) === 0) this.antiGroups.delete(key);
    }
  }

  private detach(key: string, state: PodState): void {
    this.pods.delete(key);
    this.group(state, -1);
    if (hasAffinityTerms(state.info)) this.affinityList = undefined;
    const node = this.nodes.get(state.node);
    if (!node) return;
    node.removePod(key);
    if (!node.node && node.pods.size === 0) this.nodes.delete(state.node);
  }

  private countImages(node: Node, sign: 1 | -1): void {
    for (const image of node.status?.images ?? []) {
      for (const name of image.names ?? []) {
        const n = (this.imageNodes.get(name) ?? 0) + sign;
        if (n > 0) this.imageNodes.set(name, n);
        else this.imageNodes.delete(name);
      }
    }
  }
}
