/**
 * The disruption controller: keeps each PodDisruptionBudget's status (currentHealthy,
 * desiredHealthy, expectedPods, disruptionsAllowed, disruptedPods, observedGeneration,
 * the DisruptionAllowed condition) in step with the pods its selector matches and, for
 * percentages and maxUnavailable, the scale of their controllers — Deployment (through
 * its ReplicaSet), ReplicaSet, ReplicationController, StatefulSet, else any kind's
 * /scale. The API server's pods/eviction reads this status; see budget.ts for the rules.
 */
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { labelSelectorFromObject, matchLabels } from '../../api/labels.js';
import {
  Client,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isNotFound,
  objectKey,
  resourcePath,
  resourceTypeForKind,
  runController,
  splitKey,
  type RunningController,
  type SharedInformer,
} from '../../client/index.js';
import { findResource } from '../../api/resources.js';
import type { Logger } from '../../util/logger.js';
import { desiredStatus, failSafeStatus, needsScale } from './budget.js';

const PDBS = RESOURCE_TYPES.poddisruptionbudgets;

export interface DisruptionControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => number;
}

const controllerOf = (obj: { metadata?: { ownerReferences?: OwnerReference[] } }) => obj.metadata?.ownerReferences?.find((r) => r.controller === true);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

export function startDisruptionController(options: DisruptionControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const now = options.now ?? Date.now;
  const queue = new WorkQueue<string>();
  const pdbs = informers.informerFor<PodDisruptionBudget>(PDBS);
  const pods = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const replicaSets = informers.informerFor<ReplicaSet>(RESOURCE_TYPES.replicasets);
  const deployments = informers.informerFor<Deployment>(RESOURCE_TYPES.deployments);
  const statefulSets = informers.informerFor<StatefulSet>(RESOURCE_TYPES.statefulsets);
  const rcs = informers.informerFor<ReplicationController>(RESOURCE_TYPES.replicationcontrollers);

  const budgetsFor = (namespace: string | undefined, ...labelSets: (Record<string, string> | undefined)[]) => {
    if (!namespace) return;
    for (const pdb of pdbs.lister().namespace(namespace).list()) {
      try {
        const selector = labelSelectorFromObject(pdb.spec?.selector);
        if (labelSets.some((labels) => matchLabels(selector, labels))) queue.add(objectKey(pdb));
      } catch {
        queue.add(objectKey(pdb)); // an unusable selector is reported in the budget's status
      }
    }
  };
  pdbs.addEventHandler({ onAdd: (p) => queue.add(objectKey(p)), onUpdate: (_o, p) => queue.add(objectKey(p)) });
  pods.addEventHandler({
    onAdd: (pod) => budgetsFor(pod.metadata?.namespace, pod.metadata?.labels),
    onUpdate: (old, pod) => budgetsFor(pod.metadata?.namespace, old.metadata?.labels, pod.metadata?.labels),
    onDelete: (value) => {
      const pod = deletedObject(value);
      budgetsFor(pod.metadata?.namespace, pod.metadata?.labels);
    },
  });
  // A controller's scale is the denominator of percentages: any change may move it.
  const everyBudgetIn = (obj: { metadata?: { namespace?: string } }) => {
    if (obj.metadata?.namespace) for (const pdb of pdbs.lister().namespace(obj.metadata.namespace).list()) queue.add(objectKey(pdb));
  };
  for (const informer of [replicaSets, deployments, statefulSets, rcs] as SharedInformer<{ metadata?: { namespace?: string } }>[]) {
    informer.addEventHandler({ onAdd: everyBudgetIn, onUpdate: (_o, obj) => everyBudgetIn(obj), onDelete: (v) => everyBudgetIn(deletedObject(v)) });
  }

  /** The controller behind `ref` and its replicas, as upstream's finders look in turn; undefined if none. */
  const controllerScale = async (ref: OwnerReference, namespace: string): Promise<{ uid: string; scale: number } | undefined> => {
    const group = groupOf(ref.apiVersion);
    if (ref.kind === 'ReplicaSet' && group === 'apps') {
      const rs = replicaSets.lister().namespace(namespace).get(ref.name);
      if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs);
      if (owner?.kind === 'Deployment' && groupOf(owner.apiVersion) === 'apps') {
        const d = deployments.lister().namespace(namespace).get(owner.name);
        return d && d.metadata?.uid === owner.uid ? { uid: owner.uid, scale: d.spec?.replicas ?? 1 } : undefined;
      }
      return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'ReplicationController' && group === '') {
      const rc = rcs.lister().namespace(namespace).get(ref.name);
      return rc && rc.metadata?.uid === ref.uid ? { uid: ref.uid, scale: rc.spec?.replicas ?? 1 } : undefined;
    }
    if (ref.kind === 'StatefulSet' && group === 'apps') {
      const sts = statefulSets.lister().namespace(namespace).get(ref.name);
      return sts && sts.metadata?.uid === ref.uid ? { uid: ref.uid, scale: sts.spec?.replicas ?? 1 } : undefined;
    }
    // Any other kind that serves /scale.
    let type;
    try {
      type = resourceTypeForKind(ref.apiVersion, ref.kind);
    } catch {
      return undefined;
    }
    if (!findResource(type.group, type.version, type.resource)?.subresources.some((s) => s.name === 'scale')) return undefined;
    try {
      const scale = await client.call<{ metadata?: { uid?: string }; spec?: { replicas?: number } }>('GET', resourcePath(type, namespace, ref.name, 'scale'));
      return scale.metadata?.uid === ref.uid ? { uid: ref.uid, scale: scale.spec?.replicas ?? 0 } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  /** SUM over the distinct controllers of the pods of their scale; pods without a controller do not count. */
  const expectedScale = async (selected: readonly Pod[]): Promise<number> => {
    const scales = new Map<string, number>();
    for (const pod of selected) {
      const ref = controllerOf(pod);
      if (!ref || scales.has(ref.uid)) continue;
      const found = await controllerScale(ref, pod.metadata?.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
      scales.set(found.uid, found.scale);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  };

  return runController({
    name: 'disruption',
    queue,
    waitFor: [informers],
    logger,
    async reconcile(key) {
      const pdb = pdbs.lister().get(key);
      if (!pdb) return undefined;
      const { namespace } = splitKey(key);
      let result;
      try {
        const selected = pods.lister().namespace(namespace).list(labelSelectorFromObject(pdb.spec?.selector));
        const scale = needsScale(pdb) ? await expectedScale(selected) : 0;
        result = desiredStatus(pdb, { pods: selected, scale, now: now() });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await client.updateStatus<PodDisruptionBudget>(PDBS, { ...pdb, status: failSafeStatus(pdb, message, now()) });
        throw err;
      }
      if (result.status) await client.updateStatus<PodDisruptionBudget>(PDBS, { ...pdb, status: result.status });
      return result.recheckAt !== undefined ? { requeueAfterMs: Math.max(0, result.recheckAt - now()) } : undefined;
    },
  });
}
