/**
 * The PVC protection controller (upstream pkg/controller/volume/pvcprotection): a claim
 * being deleted keeps its `kubernetes.io/pvc-protection` finalizer while a scheduled pod
 * uses it, so a running workload never loses its volume; the finalizer goes once no pod
 * does (checked against the cache, then a live list, since a new pod may not be cached
 * yet). Claims without the finalizer get it, for claims made before admission added it.
 */
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, WorkQueue, deletedObject, isNotFound, objectKey, runController, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { isPodTerminated, podClaimNames, podUsesClaim } from './pod-claims.js';
import { isDeletionCandidate, needToAddFinalizer, withFinalizer, withoutFinalizer } from './protection.js';
import { PVC_PROTECTION_FINALIZER } from './volume-util.js';

export interface PvcProtectionOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
}

export function startPvcProtectionController(options: PvcProtectionOptions): RunningController {
  const { client, informers } = options;
  const logger = options.logger.child({ controller: 'pvc-protection' });
  const queue = new WorkQueue<string>();
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const claims = claimInformer.lister();
  const pods = podInformer.lister();

  const claimChanged = (claim: PersistentVolumeClaim) => {
    if (needToAddFinalizer(claim, PVC_PROTECTION_FINALIZER) || isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER)) queue.add(objectKey(claim));
  };
  claimInformer.addEventHandler({ onAdd: claimChanged, onUpdate: (_o, c) => claimChanged(c) });

  /** Only a pod that stopped counting (deleted, finished, never scheduled) can free a claim. */
  const enqueueClaimsOf = (pod: Pod, deleted: boolean) => {
    if (!deleted && !isPodTerminated(pod) && pod.spec?.nodeName) return;
    for (const name of podClaimNames(pod)) queue.add(`${pod.metadata?.namespace ?? ''}/${name}`);
  };
  podInformer.addEventHandler({
    onAdd: (p) => enqueueClaimsOf(p, false),
    onUpdate(old, pod) {
      enqueueClaimsOf(pod, false);
      // An update may hide a delete and re-create under the same name: the old pod is gone.
      if (old.metadata?.uid !== pod.metadata?.uid) enqueueClaimsOf(old, true);
    },
    onDelete: (p) => enqueueClaimsOf(deletedObject(p), true),
  });

  async function inUse(claim: PersistentVolumeClaim): Promise<boolean> {
    const namespace = claim.metadata?.namespace ?? '';
    if (pods.namespace(namespace).list().some((p) => podUsesClaim(p, claim))) return true;
    // The cache may not have a pod created a moment ago: only a live list is certain.
    const live = await client.list<Pod>(RESOURCE_TYPES.pods, { namespace });
    return live.items.some((p) => podUsesClaim(p, claim));
  }

  const controller = runController({
    name: 'pvc-protection',
    queue,
    workers: options.workers ?? 1,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const claim = claims.get(key);
      if (!claim) return;
      try {
        if (isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER)) {
          if (await inUse(claim)) {
            logger.debug({ claim: key }, 'keeping the claim: a pod uses it');
            return;
          }
          await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, withoutFinalizer(claim, PVC_PROTECTION_FINALIZER));
          logger.debug({ claim: key }, 'removed the protection finalizer');
          return;
        }
        if (needToAddFinalizer(claim, PVC_PROTECTION_FINALIZER)) {
          await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, withFinalizer(claim, PVC_PROTECTION_FINALIZER));
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  });
  return controller;
}
