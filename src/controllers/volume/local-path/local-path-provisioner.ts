/**
 * The local-path provisioner, built in as k3s bundles rancher/local-path-provisioner:
 * ensures its default StorageClass exists when it starts (created if missing, never
 * overwritten), makes a hostPath PersistentVolume on the scheduler's chosen node for each
 * claim the binder hands it, and deletes its Released volumes whose policy is Delete.
 * The directory itself is made and removed on the node by helper pods
 * (`helper-pod-create-<pv>` / `helper-pod-delete-<pv>` in kube-system, pinned by
 * nodeName): the volume is created only after its create helper succeeded, and deleted
 * only after its delete helper did. Waiting is level-based: each reconcile looks at the
 * helper pod (from an informer on its namespace) and pod events requeue the claim or
 * volume, so a restarted provisioner picks up the helper it left rather than making another.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { cloneJson } from '../../../api/object.js';
import { Client, EventRecorder, InformerFactory, RESOURCE_TYPES, WorkQueue, isAlreadyExists, isNotFound, isTombstone, objectKey, runController, type DeletedFinalStateUnknown, type ReconcileResult, type RunningController } from '../../../client/index.js';
import { realClock, type Clock } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';
import { ANN_SELECTED_NODE, claimClass } from '../volume-util.js';
import {
  DEFAULT_HELPER_IMAGE,
  DEFAULT_HELPER_NAMESPACE,
  DEFAULT_HELPER_TIMEOUT_SECONDS,
  DEFAULT_LOCAL_PATH_BASE_DIR,
  DEFAULT_SETUP_SCRIPT,
  DEFAULT_TEARDOWN_SCRIPT,
  LOCAL_PATH_PROVISIONER,
  LOCAL_PATH_STORAGE_CLASS,
  claimSizeBytes,
  helperOutcome,
  helperPod,
  helperTimeoutMessage,
  localPathStorageClass,
  localPathVolume,
  shouldDelete,
  shouldProvision,
  unsupportedClaim,
  volumeNameFor,
  volumePathAndNode,
  volumeSizeBytes,
  type HelperAction,
} from './local-path.js';

export interface LocalPathProvisionerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  /** Where volumes live on each node (default /var/lib/skiff/storage). */
  baseDir?: string;
  /** Default rancher.io/local-path, as k3s. */
  provisionerName?: string;
  /** The StorageClass ensured at start (default local-path); false ensures none. */
  storageClass?: string | false;
  /** Where helper pods run (default kube-system, as k3s). */
  helperNamespace?: string;
  /** Default rancher/mirrored-library-busybox:1.36.1, as k3s 1.32. */
  helperImage?: string;
  /** How long a helper pod may take to succeed (default 120 s, upstream cmdTimeoutSeconds). */
  helperTimeoutSeconds?: number;
  /** Set on helper pods when given (k3s's helperPod.yaml sets none). */
  helperPriorityClassName?: string;
  setupScript?: string;
  teardownScript?: string;
  clock?: Clock;
  workers?: number;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';
const CLASS = 'class:';
const TERMINATING_RECHECK_MS = 10_000;

/** A helper pod to wait for: reconcile asks again when it changes or when its time is up. */
type Waiting = { done: false; result: ReconcileResult };
type HelperResult = { done: true } | Waiting;

export function startLocalPathProvisioner(options: LocalPathProvisionerOptions): RunningController {
  const { client, informers } = options;
  const baseDir = options.baseDir ?? DEFAULT_LOCAL_PATH_BASE_DIR;
  const provisioner = options.provisionerName ?? LOCAL_PATH_PROVISIONER;
  const className = options.storageClass === undefined ? LOCAL_PATH_STORAGE_CLASS : options.storageClass;
  const namespace = options.helperNamespace ?? DEFAULT_HELPER_NAMESPACE;
  const image = options.helperImage ?? DEFAULT_HELPER_IMAGE;
  const timeoutSeconds = options.helperTimeoutSeconds ?? DEFAULT_HELPER_TIMEOUT_SECONDS;
  const clock = options.clock ?? realClock;
  const logger = options.logger.child({ controller: 'local-path-provisioner' });
  const recorder = new EventRecorder(client, { component: provisioner }, { logger, clock });
  const queue = new WorkQueue<string>({ clock });
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims);
  const volumeInformer = informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes);
  const classInformer = informers.informerFor<StorageClass>(RESOURCE_TYPES.storageclasses);
  const nodeInformer = informers.informerFor<Node>(RESOURCE_TYPES.nodes);
  // Only the helpers' namespace: the provisioner has no business with other pods.
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods, { namespace });
  const claims = claimInformer.lister();
  const volumes = volumeInformer.lister();
  const classes = classInformer.lister();
  const nodes = nodeInformer.lister();
  const pods = podInformer.lister();
  /** helper pod name → the queue item waiting for it (refilled by reconciles after a restart). */
  const owners = new Map<string, string>();
  /** Helper pods whose owner waits for an earlier pod of the same name to be gone. */
  const awaitingDeletion = new Set<string>();

  claimInformer.addEventHandler({ onAdd: (c) => queue.add(CLAIM + objectKey(c)), onUpdate: (_o, c) => queue.add(CLAIM + objectKey(c)) });
  volumeInformer.addEventHandler({ onAdd: (v) => queue.add(VOLUME + objectKey(v)), onUpdate: (_o, v) => queue.add(VOLUME + objectKey(v)) });
  // A helper's progress wakes its owner. Deletions do not: after a failure the owner retries
  // on the queue's backoff, not the moment the failed pod is gone.
  const onHelper = (pod: Pod) => {
    const owner = owners.get(pod.metadata?.name ?? '');
    if (owner && !pod.metadata?.deletionTimestamp) queue.add(owner);
  };
  const onGone = (gone: Pod | DeletedFinalStateUnknown<Pod>) => {
    const name = (isTombstone(gone) ? gone.obj : gone).metadata?.name ?? '';
    const owner = owners.get(name);
    if (owner && awaitingDeletion.delete(name)) queue.add(owner);
  };
  podInformer.addEventHandler({ onAdd: onHelper, onUpdate: (_o, p) => onHelper(p), onDelete: onGone });
  if (className) queue.add(CLASS + className);

  async function ensureStorageClass(name: string): Promise<void> {
    try {
      await client.get<StorageClass>(RESOURCE_TYPES.storageclasses, name);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await client.create<StorageClass>(RESOURCE_TYPES.storageclasses, localPathStorageClass(name, provisioner));
      logger.info({ storageClass: name }, 'created the default StorageClass');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async function nodeNamed(name: string): Promise<Node | undefined> {
    const cached = nodes.get(name);
    if (cached) return cached;
    try {
      return await client.get<Node>(RESOURCE_TYPES.nodes, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The chosen node is gone: drop the choice so the scheduler picks again (the library's rescheduleProvisioning). */
  async function reschedule(claim: PersistentVolumeClaim): Promise<void> {
    const next = cloneJson(claim);
    if (next.metadata?.annotations) delete next.metadata.annotations[ANN_SELECTED_NODE];
    await client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, next);
  }

  async function deleteHelper(pod: Pod): Promise<void> {
    const name = pod.metadata!.name!;
    owners.delete(name);
    try {
      await client.delete(RESOURCE_TYPES.pods, name, { namespace, preconditions: { uid: pod.metadata!.uid! } });
    } catch (err) {
      // Gone already, or replaced (uid precondition): either way not ours to remove.
      if (!isNotFound(err) && !(err instanceof Error && /precondition/i.test(err.message))) throw err;
    }
  }

  /**
   * One step of running a helper pod to completion: create it if missing (an existing one,
   * from before a restart, is awaited instead), then wait for it. Succeeded: the pod is
   * removed and `{ done: true }` returned. Failed or past the timeout (counted from the
   * pod's creation, so restarts do not extend it): the pod is removed and an Error thrown
   * worded as upstream's createHelperPod, for the caller's event and the queue's backoff.
   */
  async function runHelper(owner: string, pod: Pod, action: HelperAction, volumeName: string, onCreate: () => void): Promise<HelperResult> {
    const name = pod.metadata!.name!;
    owners.set(name, owner);
    const failure = (message: string) => new Error(`failed to ${action} volume ${volumeName}: ${message}`);
    let current = pods.get(`${namespace}/${name}`);
    if (current?.metadata?.deletionTimestamp) {
      // An earlier attempt's pod is still terminating on its node; its removal wakes us
      // (the late look is only in case it went between the cache read and this line).
      awaitingDeletion.add(name);
      return { done: false, result: { requeueAfterMs: TERMINATING_RECHECK_MS } };
    }
    if (!current) {
      try {
        current = await client.create<Pod>(RESOURCE_TYPES.pods, pod);
        logger.info({ pod: name, namespace, node: pod.spec?.nodeName }, 'created the helper pod');
        onCreate();
      } catch (err) {
        if (!isAlreadyExists(err)) throw failure(err instanceof Error ? err.message : String(err));
        // Made by an earlier run and not yet in the cache: its informer event brings us back.
        return { done: false, result: {} };
      }
    }
    const outcome = helperOutcome(current);
    if (outcome.state === 'succeeded') {
      await deleteHelper(current);
      return { done: true };
    }
    if (outcome.state === 'failed') {
      await deleteHelper(current);
      throw failure(outcome.reason);
    }
    const created = Date.parse(current.metadata?.creationTimestamp ?? '') || clock.now();
    const remaining = created + timeoutSeconds * 1000 - clock.now();
    if (remaining <= 0) {
      await deleteHelper(current);
      throw failure(helperTimeoutMessage(timeoutSeconds));
    }
    return { done: false, result: { requeueAfterMs: remaining } };
  }

  /** The claim went (or was provisioned elsewhere) while its create helper ran: remove the helper. */
  async function abandonHelpers(owner: string): Promise<void> {
    for (const [name, who] of owners) {
      if (who !== owner) continue;
      const pod = pods.get(`${namespace}/${name}`);
      if (pod && !pod.metadata?.deletionTimestamp) await deleteHelper(pod);
      owners.delete(name);
      awaitingDeletion.delete(name);
    }
  }

  async function provision(key: string): Promise<ReconcileResult | void> {
    const claim = claims.get(key);
    const scName = claim ? claimClass(claim) : '';
    const sc = classes.get(scName);
    if (!claim || !shouldProvision(claim, sc, provisioner) || !sc) return abandonHelpers(CLAIM + key);
    const pvName = volumeNameFor(claim);
    // Made already (its binding may just not have finished): nothing to do.
    if (volumes.get(pvName)) return;
    const failed = (message: string) => recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${scName}": ${message}`);
    const unsupported = unsupportedClaim(claim);
    if (unsupported) {
      failed(unsupported);
      return;
    }
    const nodeName = claim.metadata!.annotations![ANN_SELECTED_NODE]!;
    const node = await nodeNamed(nodeName);
    if (!node) {
      failed(`failed to get target node: node "${nodeName}" not found`);
      await reschedule(claim);
      return;
    }
    const volume = localPathVolume(claim, sc, node, baseDir, provisioner);
    let helper: HelperResult;
    try {
      const pod = helperPod({
        action: 'create',
        volumeName: pvName,
        path: volume.spec!.hostPath!.path,
        node: nodeName,
        namespace,
        image,
        script: options.setupScript ?? DEFAULT_SETUP_SCRIPT,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        sizeBytes: claimSizeBytes(claim),
        priorityClassName: options.helperPriorityClassName,
      });
      helper = await runHelper(CLAIM + key, pod, 'create', pvName, () =>
        recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`),
      );
    } catch (err) {
      failed(err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (!helper.done) return helper.result;
    try {
      await client.create<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, volume);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        failed(err instanceof Error ? err.message : String(err));
        throw err;
      }
    }
    logger.info({ claim: key, volume: pvName, node: nodeName, path: volume.spec?.hostPath?.path }, 'provisioned');
    recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  async function reclaim(name: string): Promise<ReconcileResult | void> {
    const volume = volumes.get(name);
    if (!volume || !shouldDelete(volume, provisioner)) return;
    try {
      const where = volumePathAndNode(volume);
      if ('error' in where) throw new Error(`failed to delete volume ${name}: ${where.error}`);
      // Upstream (since v0.0.32) skips the cleanup of a volume whose node is gone: no pod could run there.
      if (!(await nodeNamed(where.node))) {
        logger.info({ volume: name, node: where.node }, 'node does not exist; skipping the cleanup of the volume');
      } else {
        const pod = helperPod({
          action: 'delete',
          volumeName: name,
          path: where.path,
          node: where.node,
          namespace,
          image,
          script: options.teardownScript ?? DEFAULT_TEARDOWN_SCRIPT,
          volumeMode: volume.spec?.volumeMode ?? 'Filesystem',
          sizeBytes: volumeSizeBytes(volume),
          priorityClassName: options.helperPriorityClassName,
        });
        const helper = await runHelper(VOLUME + name, pod, 'delete', name, () => {});
        if (!helper.done) return helper.result;
      }
    } catch (err) {
      // The library's event on failed deletes; upstream's Delete wraps its helpers' errors once more.
      const message = `failed to delete volume ${name}: ${err instanceof Error ? err.message : String(err)}`;
      recorder.event(volume, 'Warning', 'VolumeFailedDelete', message);
      throw new Error(message, { cause: err });
    }
    await client.delete(RESOURCE_TYPES.persistentvolumes, name, { preconditions: { uid: volume.metadata!.uid! } });
    logger.info({ volume: name }, 'deleted a released volume');
  }

  const controller = runController({
    name: 'local-path-provisioner',
    queue,
    workers: options.workers ?? 2,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(item) {
      try {
        if (item.startsWith(CLASS)) await ensureStorageClass(item.slice(CLASS.length));
        else if (item.startsWith(CLAIM)) return (await provision(item.slice(CLAIM.length))) ?? undefined;
        else if (item.startsWith(VOLUME)) return (await reclaim(item.slice(VOLUME.length))) ?? undefined;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return undefined;
    },
  });
  return {
    started: controller.started,
    done: controller.done,
    async stop() {
      await controller.stop();
      await recorder.stop();
    },
  };
}
