/**
 * The PersistentVolume binder (upstream pkg/controller/volume/persistentvolume, the
 * "persistentvolume-binder" controller): binds claims to the best-fitting Available
 * volume, finishes bindings that users, the scheduler or a provisioner started (a
 * pre-bound volumeName or claimRef), asks an external provisioner for a volume by
 * annotating the claim (for WaitForFirstConsumer classes only once the scheduler chose
 * a node), keeps claim phases (Pending/Bound/Lost) and volume phases
 * (Available/Bound/Released/Failed) true, gives claims without a class the default
 * StorageClass, and reclaims released volumes (Retain keeps them; Delete leaves
 * provisioned volumes to their provisioner). Claims and volumes have a queue and worker
 * each, and everything is synced again every resync period, as upstream does.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { Client, EventRecorder, InformerFactory, RESOURCE_TYPES, WorkQueue, deletedObject, isNotFound, objectKey, runController, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { claimBoundToVolume, claimWithProvisioner, claimWithStatus, volumeBoundToClaim, volumeUnbound, volumeWithPhase } from './binding.js';
import { findBestMatchForClaim, volumeUnsuitableForClaim } from './matching.js';
import { podClaimNames } from './pod-claims.js';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  claimClass,
  claimHasClass,
  defaultStorageClass,
  hasAnnotation,
  isDelayBinding,
  isDelayBindingProvisioning,
  isVolumeBoundToClaim,
  volumeModeMismatch,
  type ClaimPhase,
  type VolumePhase,
} from './volume-util.js';

/** Upstream --pvclaimbinder-sync-period. */
export const DEFAULT_BINDER_RESYNC_MS = 15_000;

export interface PersistentVolumeBinderOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  /** How often every claim and volume is synced again with no event (default 15 s). */
  resyncPeriodMs?: number;
}

const COMPONENT = 'persistentvolume-controller';

export function startPersistentVolumeBinderController(options: PersistentVolumeBinderOptions): RunningController {
  const { client, informers } = options;
  const logger = options.logger.child({ controller: 'persistentvolume-binder' });
  const recorder = new EventRecorder(client, { component: COMPONENT }, { logger });
  const volumeQueue = new WorkQueue<string>();
  const claimQueue = new WorkQueue<string>();
  const volumeInformer = informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes);
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims);
  const classInformer = informers.informerFor<StorageClass>(RESOURCE_TYPES.storageclasses);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const volumes = volumeInformer.lister();
  const claims = claimInformer.lister();
  const classes = classInformer.lister();
  const pods = podInformer.lister();
  const classOf = (name: string) => classes.get(name);

  volumeInformer.addEventHandler({
    onAdd: (v) => volumeQueue.add(objectKey(v)),
    onUpdate: (_o, v) => volumeQueue.add(objectKey(v)),
    onDelete(obj) {
      // The claim of a deleted volume is Lost: tell it now rather than at the next resync.
      const ref = deletedObject(obj).spec?.claimRef;
      if (ref?.namespace && ref.name) claimQueue.add(`${ref.namespace}/${ref.name}`);
    },
  });
  claimInformer.addEventHandler({
    onAdd: (c) => claimQueue.add(objectKey(c)),
    onUpdate: (_o, c) => claimQueue.add(objectKey(c)),
    onDelete(obj) {
      // The volume of a deleted claim is Released: reclaim it now rather than at the next resync.
      const name = deletedObject(obj).spec?.volumeName;
      if (name) volumeQueue.add(name);
    },
  });

  // ---- writes (NotFound means the object went away: nothing left to do) ----

  async function updateVolume(volume: PersistentVolume): Promise<PersistentVolume> {
    return client.update<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, volume);
  }

  async function setVolumePhase(volume: PersistentVolume, phase: VolumePhase, message = '', event?: { type: 'Normal' | 'Warning'; reason: string }): Promise<PersistentVolume> {
    const next = volumeWithPhase(volume, phase, message);
    if (!next) return volume;
    const saved = await client.updateStatus<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, next);
    if (event) recorder.event(saved, event.type, event.reason, message);
    return saved;
  }

  async function setClaimPhase(claim: PersistentVolumeClaim, phase: ClaimPhase, volume: PersistentVolume | undefined, event?: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<PersistentVolumeClaim> {
    const next = claimWithStatus(claim, phase, volume);
    if (!next) return claim;
    const saved = await client.updateStatus<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, next);
    // Events only on a change of phase, so a claim that stays Lost is not reported every resync.
    if (event && claim.status?.phase !== phase) recorder.event(saved, event.type, event.reason, event.message);
    return saved;
  }

  /** Binds both ways, volume first (upstream's order: a crash leaves a volume the claim sync finds). */
  async function bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    const boundVolume = volumeBoundToClaim(volume, claim);
    if (boundVolume) volume = await updateVolume(boundVolume);
    volume = await setVolumePhase(volume, 'Bound');
    const boundClaim = claimBoundToVolume(claim, volume);
    if (boundClaim) claim = await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, boundClaim);
    await setClaimPhase(claim, 'Bound', volume);
    logger.debug({ claim: objectKey(claim), volume: volume.metadata?.name }, 'bound');
  }

  async function unbindVolume(volume: PersistentVolume): Promise<void> {
    const saved = await updateVolume(volumeUnbound(volume));
    await setVolumePhase(saved, 'Available');
  }

  // ---- claims ----

  async function assignDefaultStorageClass(claim: PersistentVolumeClaim): Promise<boolean> {
    if (claimHasClass(claim)) return false;
    const sc = defaultStorageClass(classes.list());
    if (!sc?.metadata?.name) return false;
    await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, { ...claim, spec: { ...claim.spec, storageClassName: sc.metadata.name } });
    logger.info({ claim: objectKey(claim), storageClass: sc.metadata.name }, 'assigned the default StorageClass');
    return true;
  }

  /** Names of pods not yet scheduled that use the claim, for the WaitForPodScheduled event. */
  function unscheduledPodsUsing(claim: PersistentVolumeClaim): string[] {
    return pods
      .namespace(claim.metadata?.namespace ?? '')
      .list()
      .filter((p) => !p.spec?.nodeName && podClaimNames(p).includes(claim.metadata?.name ?? ''))
      .map((p) => p.metadata?.name ?? '')
      .sort();
  }

  function waitingForConsumerEvent(claim: PersistentVolumeClaim): void {
    const podNames = unscheduledPodsUsing(claim);
    if (podNames.length === 0) recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    else if (podNames.length === 1) recorder.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pod ${podNames[0]} to be scheduled`);
    else recorder.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pods ${podNames.join(',')} to be scheduled`);
  }

  /** Asks the class's provisioner for a volume; the claim stays Pending until one is bound. */
  async function provisionClaim(claim: PersistentVolumeClaim): Promise<void> {
    const className = claimClass(claim);
    const sc = classOf(className);
    if (!sc) {
      recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = sc.provisioner;
    // In-tree provisioners are not built in (kubernetes.io/no-provisioner included): upstream reports them unmatched.
    if (provisioner.startsWith('kubernetes.io/')) {
      recorder.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
      return;
    }
    const annotated = claimWithProvisioner(claim, provisioner);
    if (annotated) claim = await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, annotated);
    recorder.event(
      claim,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
  }

  async function syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const wanted = claim.spec?.volumeName;
    if (!wanted) {
      const delay = isDelayBinding(claim, classOf);
      const volume = findBestMatchForClaim(claim, volumes.list(), delay);
      if (volume) return bind(volume, claim);
      if (await assignDefaultStorageClass(claim)) return;
      if (delay && !isDelayBindingProvisioning(claim)) {
        waitingForConsumerEvent(claim);
      } else if (claimClass(claim) !== '') {
        return provisionClaim(claim);
      } else {
        recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      await setClaimPhase(claim, 'Pending', undefined);
      return;
    }
    // The user (or a StatefulSet template) asked for a specific volume.
    const volume = volumes.get(wanted);
    if (!volume) {
      await setClaimPhase(claim, 'Pending', undefined);
      return;
    }
    if (!volume.spec?.claimRef) {
      const why = volumeUnsuitableForClaim(volume, claim);
      if (why) {
        recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${wanted}": ${why}`);
        await setClaimPhase(claim, 'Pending', undefined);
        return;
      }
      return bind(volume, claim);
    }
    if (isVolumeBoundToClaim(volume, claim)) return bind(volume, claim);
    recorder.event(claim, 'Warning', 'FailedBinding', `volume "${wanted}" already bound to a different claim.`);
    if (hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) {
      // Only someone removing bind-completed from a claim the binder bound gets here.
      throw new Error(`invalid binding of claim ${objectKey(claim)} to volume ${wanted}: volume already claimed by ${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}`);
    }
    await setClaimPhase(claim, 'Pending', undefined);
  }

  async function syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const name = claim.spec?.volumeName;
    if (!name) {
      await setClaimPhase(claim, 'Lost', undefined, { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' });
      return;
    }
    const volume = volumes.get(name);
    if (!volume) {
      await setClaimPhase(claim, 'Lost', undefined, { type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' });
      return;
    }
    const ref = volume.spec?.claimRef;
    // Volume unbound (or its update not seen yet) or correctly bound: bind() makes both sides agree.
    if (!ref || ref.uid === claim.metadata?.uid) return bind(volume, claim);
    await setClaimPhase(claim, 'Lost', undefined, { type: 'Warning', reason: 'ClaimMisbound', message: 'Two claims are bound to the same volume, this one is bound incorrectly' });
  }

  async function syncClaim(key: string): Promise<void> {
    const claim = claims.get(key);
    if (!claim) return;
    if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) await syncUnboundClaim(claim);
    else await syncBoundClaim(claim);
  }

  // ---- volumes ----

  /** The claim a volume points at, asking the API server when the cache lacks it (it may lag a provisioner). */
  async function claimFor(volume: PersistentVolume): Promise<PersistentVolumeClaim | undefined> {
    const ref = volume.spec!.claimRef!;
    const key = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
    let claim = claims.get(key);
    const live = async () => {
      try {
        return await client.get<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, ref.name ?? '', { namespace: ref.namespace ?? '' });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const phase = volume.status?.phase;
    if (!claim && phase !== 'Released' && phase !== 'Failed') claim = await live();
    // A claim of the same name but another uid may just be a cache older than the volume.
    if (claim && claim.metadata?.uid !== ref.uid) {
      const fresh = await live();
      claim = fresh?.metadata?.uid === ref.uid ? fresh : undefined;
    }
    return claim;
  }

  async function reclaimVolume(volume: PersistentVolume): Promise<void> {
    switch (volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain') {
      case 'Retain':
        return;
      case 'Recycle':
        await setVolumePhase(volume, 'Failed', 'No recycler plugin found for the volume!', { type: 'Warning', reason: 'VolumeFailedRecycle' });
        return;
      case 'Delete': {
        const provisionedBy = volume.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
        // An external provisioner deletes what it made (the local-path provisioner among them).
        if (provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) return;
        // No in-tree deleter runs here, so a volume nobody provisioned cannot be deleted: upstream's answer.
        await setVolumePhase(volume, 'Failed', 'no deletable volume plugin matched', { type: 'Warning', reason: 'VolumeFailedDelete' });
        return;
      }
      default:
        return;
    }
  }

  async function releaseVolume(volume: PersistentVolume): Promise<void> {
    const phase = volume.status?.phase;
    // A Failed volume stays Failed so the user sees it; reclaiming is still retried.
    if (phase !== 'Released' && phase !== 'Failed') {
      logger.info({ volume: volume.metadata?.name, reclaimPolicy: volume.spec?.persistentVolumeReclaimPolicy }, 'volume released');
      volume = await setVolumePhase(volume, 'Released');
    }
    await reclaimVolume(volume);
  }

  async function syncVolume(name: string): Promise<void> {
    const volume = volumes.get(name);
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    // Unused, or reserved by the user for a claim that has not bound yet: Available either way.
    if (!ref || !ref.uid) {
      await setVolumePhase(volume, 'Available');
      return;
    }
    const claim = await claimFor(volume);
    if (!claim) return releaseVolume(volume);
    const claimVolume = claim.spec?.volumeName;
    if (!claimVolume) {
      if (volumeModeMismatch(claim, volume)) {
        recorder.event(volume, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata?.name ?? ''}" due to incompatible volumeMode.`);
        return;
      }
      // Reserved for the claim (by the binder, the scheduler or a provisioner): the claim sync finishes it.
      claimQueue.add(objectKey(claim));
      return;
    }
    if (claimVolume === name) {
      await setVolumePhase(volume, 'Bound');
      return;
    }
    // The claim got another volume.
    if (hasAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') return releaseVolume(volume);
    await unbindVolume(volume);
  }

  // ---- running ----

  const tolerateGone = (fn: (key: string) => Promise<void>) => async (key: string) => {
    try {
      await fn(key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
  const claimController = runController({ name: 'persistentvolume-binder-claims', queue: claimQueue, workers: 1, waitFor: [informers], logger: options.logger, reconcile: tolerateGone(syncClaim) });
  const volumeController = runController({ name: 'persistentvolume-binder-volumes', queue: volumeQueue, workers: 1, waitFor: [informers], logger: options.logger, reconcile: tolerateGone(syncVolume) });

  const resyncMs = options.resyncPeriodMs ?? DEFAULT_BINDER_RESYNC_MS;
  const resync = setInterval(() => {
    for (const v of volumes.list()) volumeQueue.add(objectKey(v));
    for (const c of claims.list()) claimQueue.add(objectKey(c));
  }, resyncMs);
  resync.unref();

  const started = Promise.all([claimController.started, volumeController.started]).then((s) => s.every(Boolean));
  return {
    started,
    done: Promise.all([claimController.done, volumeController.done]).then(() => undefined),
    async stop() {
      clearInterval(resync);
      await Promise.all([claimController.stop(), volumeController.stop()]);
      await recorder.stop();
    },
  };
}
