/**
 * The garbage collector's view of the cluster: one node per object (by uid) of every
 * watched resource, with its owner references and deletion state, and the reverse
 * index owner uid → dependent uids. Kept current from informer events; it decides
 * nothing and does no I/O.
 */
import type { ResourceType } from '../../client/index.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GraphNode {
  uid: string;
  type: ResourceType;
  namespace: string;
  name: string;
  owners: OwnerRef[];
  beingDeleted: boolean;
  finalizers: string[];
}

/** The parts of an object the graph keeps. */
export interface ObjectMetaView {
  uid?: string;
  name?: string;
  namespace?: string;
  ownerReferences?: readonly OwnerRef[];
  deletionTimestamp?: string;
  finalizers?: readonly string[];
}

export function nodeFromMeta(type: ResourceType, meta: ObjectMetaView): GraphNode | undefined {
  if (!meta.uid || !meta.name) return undefined;
  return {
    uid: meta.uid,
    type,
    namespace: meta.namespace ?? '',
    name: meta.name,
    owners: (meta.ownerReferences ?? []).map((r) => ({ ...r })),
    beingDeleted: Boolean(meta.deletionTimestamp),
    finalizers: [...(meta.finalizers ?? [])],
  };
}

/** Being deleted and waiting for its blocking dependents to go first. */
export function isDeletingDependents(node: Pick<GraphNode, 'beingDeleted' | 'finalizers'>): boolean {
  return node.beingDeleted && node.finalizers.includes(FOREGROUND_FINALIZER);
}

export function isOrphaning(node: Pick<GraphNode, 'beingDeleted' | 'finalizers'>): boolean {
  return node.beingDeleted && node.finalizers.includes(ORPHAN_FINALIZER);
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids; kept also for owners the graph has not seen (yet). */
  private readonly dependentsOf = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Adds or replaces a node; returns the node it replaced. */
  upsert(node: GraphNode): GraphNode | undefined {
    const old = this.nodes.get(node.uid);
    if (old) this.unlinkOwners(old);
    this.nodes.set(node.uid, node);
    for (const ref of node.owners) {
      let deps = this.dependentsOf.get(ref.uid);
      if (!deps) this.dependentsOf.set(ref.uid, (deps = new Set()));
      deps.add(node.uid);
    }
    return old;
  }

  remove(uid: string): GraphNode | undefined {
    const old = this.nodes.get(uid);
    if (!old) return undefined;
    this.unlinkOwners(old);
    this.nodes.delete(uid);
    return old;
  }

  /** The nodes that name `uid` among their owners. */
  dependents(uid: string): GraphNode[] {
    return [...(this.dependentsOf.get(uid) ?? [])].flatMap((d) => this.nodes.get(d) ?? []);
  }

  private unlinkOwners(node: GraphNode): void {
    for (const ref of node.owners) {
      const deps = this.dependentsOf.get(ref.uid);
      if (!deps) continue;
      deps.delete(node.uid);
      if (deps.size === 0) this.dependentsOf.delete(ref.uid);
    }
  }
}
