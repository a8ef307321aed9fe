/**
 * The garbage collector (upstream's ownerReferences GC): watches every resource the API
 * serves that can be listed, watched and deleted, keeps the ownership graph, and
 * - background: deletes a dependent once all its owners are gone (confirmed by a live
 *   GET, never from a cache alone); with another owner still there it only drops the
 *   dangling reference;
 * - foreground: for an owner marked `foregroundDeletion`, deletes its dependents and
 *   removes the finalizer once no dependent with blockOwnerDeletion is left;
 * - orphan: for an owner marked `orphan`, strips the references to it from its
 *   dependents, then removes the finalizer.
 * The API server adds those finalizers for propagationPolicy Foreground / Orphan.
 */
import type { KubeObject } from '../../api/object.js';
import {
  Client,
  InformerFactory,
  WorkQueue,
  deletedObject,
  isConflict,
  isNotFound,
  oneVersionPerStoredResource,
  runController,
  type ResourceType,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { blockingDependents, decideDependent, ownerNamespace, ownerResource, withoutOwners, type OwnerState } from './decide.js';
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  OwnershipGraph,
  isDeletingDependents,
  isOrphaning,
  nodeFromMeta,
  type GraphNode,
  type ObjectMetaView,
  type OwnerRef,
} from './graph.js';

/** Events churn and never own anything: upstream leaves them out too. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);
/** How often a foreground owner is looked at again while its blocking dependents terminate. */
const FOREGROUND_RECHECK_MS = 5_000;

/** One served version per stored resource that can be listed, watched and deleted. */
export function collectableResources(): ResourceType[] {
  return oneVersionPerStoredResource(
    (r, storage) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)) && !IGNORED.has(storage) && !IGNORED.has(`${r.group}/${r.plural}`),
  );
}

export interface GarbageCollectorOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
  /** Defaults to collectableResources(). */
  resources?: ResourceType[];
}

const metaOf = (obj: KubeObject): ObjectMetaView => (obj.metadata ?? {}) as ObjectMetaView;

export function startGarbageCollector(options: GarbageCollectorOptions): RunningController {
  const { client, informers } = options;
  const logger = options.logger.child({ controller: 'garbage-collector' });
  const graph = new OwnershipGraph();
  const queue = new WorkQueue<string>();
  const attemptToDelete = (uid: string) => queue.add(`delete/${uid}`);

  const observe = (old: GraphNode | undefined, node: GraphNode) => {
    if (node.owners.length > 0 && (!old || JSON.stringify(old.owners) !== JSON.stringify(node.owners))) attemptToDelete(node.uid);
    if (isDeletingDependents(node)) {
      attemptToDelete(node.uid);
      for (const dep of graph.dependents(node.uid)) attemptToDelete(dep.uid);
    }
    if (isOrphaning(node)) queue.add(`orphan/${node.uid}`);
    wakeWaitingOwners([...(old?.owners ?? []), ...node.owners]);
  };
  const wakeWaitingOwners = (owners: OwnerRef[]) => {
    for (const ref of owners) {
      const owner = graph.get(ref.uid);
      if (owner && isDeletingDependents(owner)) attemptToDelete(owner.uid);
    }
  };

  for (const type of options.resources ?? collectableResources()) {
    const informer = informers.informerFor<KubeObject>(type);
    const upsert = (obj: KubeObject) => {
      const node = nodeFromMeta(type, metaOf(obj));
      if (node) observe(graph.upsert(node), node);
    };
    informer.addEventHandler({
      onAdd: upsert,
      onUpdate: (_old, obj) => upsert(obj),
      onDelete: (value) => {
        const uid = metaOf(deletedObject(value)).uid;
        const gone = uid ? graph.remove(uid) : undefined;
        if (!gone) return;
        for (const dep of graph.dependents(gone.uid)) attemptToDelete(dep.uid);
        wakeWaitingOwners(gone.owners);
      },
    });
  }

  /** What the owner behind `ref` is to `dependent`: the graph when it has it, else a live GET. */
  const ownerState = async (ref: OwnerRef, dependent: GraphNode): Promise<OwnerState> => {
    const type = ownerResource(ref);
    if (!type) {
      // A kind this server does not serve cannot be checked: never delete on a guess.
      logger.warn({ dependent: `${dependent.namespace}/${dependent.name}`, owner: `${ref.apiVersion}/${ref.kind}` }, 'owner kind not served; reference kept');
      return 'solid';
    }
    const namespace = ownerNamespace(type, dependent.namespace);
    if (namespace === undefined) return 'dangling';
    const known = graph.get(ref.uid);
    if (known && known.namespace === namespace && known.name === ref.name) return isDeletingDependents(known) ? 'waiting' : 'solid';
    try {
      const live = await client.get<KubeObject>(type, ref.name, namespace ? { namespace } : {});
      const meta = metaOf(live);
      if (meta.uid !== ref.uid) return 'dangling';
      return meta.deletionTimestamp && (meta.finalizers ?? []).includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
    } catch (err) {
      if (isNotFound(err)) return 'dangling';
      throw err;
    }
  };

  /** The object as the server has it now, if it is still the same object. */
  const liveObject = async (node: GraphNode): Promise<KubeObject | undefined> => {
    try {
      const live = await client.get<KubeObject>(node.type, node.name, node.namespace ? { namespace: node.namespace } : {});
      return metaOf(live).uid === node.uid ? live : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  /** JSON patch guarded by uid and resourceVersion: a stale read fails and is retried. */
  const guardedPatch = async (node: GraphNode, live: KubeObject, ops: unknown[]) => {
    const meta = metaOf(live);
    const rv = (live.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    const guard = [
      { op: 'test', path: '/metadata/uid', value: meta.uid },
      { op: 'test', path: '/metadata/resourceVersion', value: rv },
    ];
    await client.patch(node.type, node.name, 'json', [...guard, ...ops], node.namespace ? { namespace: node.namespace } : {});
  };

  const removeOwnerReferences = async (node: GraphNode, uids: string[]) => {
    const live = await liveObject(node);
    if (!live) return;
    const owners = metaOf(live).ownerReferences ?? [];
    const kept = withoutOwners(owners, uids);
    if (kept.length === owners.length) return;
    const op = kept.length ? { op: 'replace', path: '/metadata/ownerReferences', value: kept } : { op: 'remove', path: '/metadata/ownerReferences' };
    await guardedPatch(node, live, [op]);
    logger.info({ object: describe(node), removedOwners: uids }, 'removed owner references');
  };

  const removeFinalizer = async (node: GraphNode, finalizer: string) => {
    const live = await liveObject(node);
    if (!live) return;
    const finalizers = metaOf(live).finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    await guardedPatch(node, live, [{ op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== finalizer) }]);
    logger.info({ object: describe(node), finalizer }, 'removed finalizer');
  };

  const deleteObject = async (node: GraphNode, propagationPolicy: 'Background' | 'Foreground' | 'Orphan') => {
    try {
      await client.delete(node.type, node.name, { ...(node.namespace ? { namespace: node.namespace } : {}), propagationPolicy, preconditions: { uid: node.uid } });
      logger.info({ object: describe(node), propagationPolicy }, 'deleted dependent whose owners are gone');
    } catch (err) {
      // Gone already, or a new object took the name: either way nothing of ours is left.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  };

  const processForegroundOwner = async (owner: GraphNode) => {
    const dependents = graph.dependents(owner.uid);
    for (const dep of dependents) if (!dep.beingDeleted) attemptToDelete(dep.uid);
    if (blockingDependents(owner.uid, dependents).length > 0) return { requeueAfterMs: FOREGROUND_RECHECK_MS };
    await removeFinalizer(owner, FOREGROUND_FINALIZER);
    return undefined;
  };

  const processDependent = async (node: GraphNode) => {
    if (node.beingDeleted || node.owners.length === 0) return;
    const states = new Map<string, OwnerState>();
    for (const ref of node.owners) states.set(ref.uid, await ownerState(ref, node));
    const action = decideDependent(node, states, graph.dependents(node.uid).length > 0);
    if (action.kind === 'removeOwners') await removeOwnerReferences(node, action.uids);
    else if (action.kind === 'delete') await deleteObject(node, action.propagationPolicy);
  };

  const processOrphan = async (owner: GraphNode) => {
    for (const dep of graph.dependents(owner.uid)) await removeOwnerReferences(dep, [owner.uid]);
    await removeFinalizer(owner, ORPHAN_FINALIZER);
  };

  return runController({
    name: 'garbage-collector',
    queue,
    workers: options.workers ?? 4,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const slash = key.indexOf('/');
      const node = graph.get(key.slice(slash + 1));
      if (!node) return undefined;
      if (key.startsWith('orphan/')) {
        if (isOrphaning(node)) await processOrphan(node);
        return undefined;
      }
      if (isDeletingDependents(node)) return processForegroundOwner(node);
      await processDependent(node);
      return undefined;
    },
  });
}

function describe(node: GraphNode): string {
  return `${node.type.resource}/${node.namespace ? `${node.namespace}/` : ''}${node.name}`;
}
