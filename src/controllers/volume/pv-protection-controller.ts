/**
 * The PV protection controller (upstream pkg/controller/volume/pvprotection): a volume
 * being deleted keeps its `kubernetes.io/pv-protection` finalizer while it is Bound to a
 * claim, and loses it once it is not; volumes without the finalizer get it.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, WorkQueue, isNotFound, objectKey, runController, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { isDeletionCandidate, needToAddFinalizer, withFinalizer, withoutFinalizer } from './protection.js';
import { PV_PROTECTION_FINALIZER } from './volume-util.js';

export interface PvProtectionOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
}

/** The binder keeps the phase: Bound means a claim still uses the volume. */
export const volumeInUse = (volume: PersistentVolume): boolean => volume.status?.phase === 'Bound';

export function startPvProtectionController(options: PvProtectionOptions): RunningController {
  const { client, informers } = options;
  const logger = options.logger.child({ controller: 'pv-protection' });
  const queue = new WorkQueue<string>();
  const informer = informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes);
  const volumes = informer.lister();

  const changed = (volume: PersistentVolume) => {
    if (needToAddFinalizer(volume, PV_PROTECTION_FINALIZER) || isDeletionCandidate(volume, PV_PROTECTION_FINALIZER)) queue.add(objectKey(volume));
  };
  informer.addEventHandler({ onAdd: changed, onUpdate: (_o, v) => changed(v) });

  return runController({
    name: 'pv-protection',
    queue,
    workers: options.workers ?? 1,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const volume = volumes.get(key);
      if (!volume) return;
      try {
        if (isDeletionCandidate(volume, PV_PROTECTION_FINALIZER)) {
          if (volumeInUse(volume)) {
            logger.debug({ volume: key }, 'keeping the volume: it is bound');
            return;
          }
          await client.update<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, withoutFinalizer(volume, PV_PROTECTION_FINALIZER));
          return;
        }
        if (needToAddFinalizer(volume, PV_PROTECTION_FINALIZER)) {
          await client.update<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, withFinalizer(volume, PV_PROTECTION_FINALIZER));
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  });
}
