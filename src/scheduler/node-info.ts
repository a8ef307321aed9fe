/**
 * The scheduler's per-node aggregate (upstream framework.NodeInfo): the Node, the pods on
 * it (bound and assumed), and what filters and scores need in O(1): summed requests (real
 * and non-zero), host ports in use, images, and which pods carry affinity terms.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { CPU, MEMORY, PODS, nodeAllocatable, type ResourceList } from './resources.js';
import type { HostPort, PodInfo } from './pod-info.js';

/** Whether the pod's terms bear on scoring other pods (see NodeInfo.podsWithAffinity). */
export function hasAffinityTerms(info: PodInfo): boolean {
  return info.requiredAffinity.length + info.preferredAffinity.length + info.preferredAntiAffinity.length > 0;
}

export class NodeInfo {
  node: Node | undefined;
  name: string;
  labels: Record<string, string> = {};
  taints: Taint[] = [];
  allocatable: ResourceList = new Map();
  /** Copies of the hot entries of `allocatable` and `requested` as plain numbers (filters read them per node). */
  allocatableCpu = 0;
  allocatableMemory = 0;
  allocatablePods = 0;
  requestedCpu = 0;
  requestedMemory = 0;
  /** Image name (each of its names) → size in bytes, from node.status.images. */
  imageSizes = new Map<string, number>();
  readonly pods = new Map<string, PodInfo>();
  readonly requested: ResourceList = new Map();
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  /** `protocol/port` → host IPs using it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /**
   * Pods whose terms bear on scoring others (required affinity, preferred affinity or
   * anti-affinity). Required anti-affinity is counted by the cache's term groups.
   */
  readonly podsWithAffinity = new Set<PodInfo>();

  constructor(name: string, node?: Node) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = (node.metadata?.labels ?? {}) as Record<string, string>;
    this.taints = node.spec?.taints ?? [];
    this.allocatable = nodeAllocatable(node);
    this.allocatableCpu = this.allocatable.get(CPU) ?? 0;
    this.allocatableMemory = this.allocatable.get(MEMORY) ?? 0;
    this.allocatablePods = this.allocatable.get(PODS) ?? 0;
    this.imageSizes = new Map();
    for (const image of node.status?.images ?? []) for (const n of image.names ?? []) this.imageSizes.set(n, image.sizeBytes ?? 0);
  }

  addPod(info: PodInfo): void {
    if (this.pods.has(info.key)) this.removePod(info.key);
    this.pods.set(info.key, info);
    this.account(info, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (!info) return undefined;
    this.pods.delete(key);
    this.account(info, -1);
    return info;
  }

  /** Whether any pod here uses the port on a conflicting IP (0.0.0.0 conflicts with all). */
  portConflicts(p: HostPort): boolean {
    const ips = this.usedPorts.get(`${p.protocol}/${p.port}`);
    if (!ips || ips.size === 0) return false;
    if (p.ip === '0.0.0.0') return true;
    return ips.has('0.0.0.0') || ips.has(p.ip);
  }

  private account(info: PodInfo, sign: 1 | -1): void {
    for (const [k, v] of info.requests) this.requested.set(k, (this.requested.get(k) ?? 0) + sign * v);
    this.requestedCpu += sign * info.cpuRequest;
    this.requestedMemory += sign * info.memoryRequest;
    this.nonZeroCpu += sign * info.nonZeroCpu;
    this.nonZeroMemory += sign * info.nonZeroMemory;
    for (const p of info.hostPorts) {
      const key = `${p.protocol}/${p.port}`;
      let ips = this.usedPorts.get(key);
      if (!ips) this.usedPorts.set(key, (ips = new Map()));
      const n = (ips.get(p.ip) ?? 0) + sign;
      if (n > 0) ips.set(p.ip, n);
      else ips.delete(p.ip);
    }
    if (hasAffinityTerms(info)) {
      if (sign > 0) this.podsWithAffinity.add(info);
      else this.podsWithAffinity.delete(info);
    }
  }
}
