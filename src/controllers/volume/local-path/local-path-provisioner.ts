/**
 * The local-path provisioner, built in as k3s bundles rancher/local-path-provisioner:
 * ensures its default StorageClass exists when it starts (created if missing, never
 * overwritten), makes a hostPath PersistentVolume on the scheduler's chosen node for each
 * claim the binder hands it, and deletes its Released volumes whose policy is Delete.
 * It writes API objects only; the node agent creates the directory when a pod mounts it.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { cloneJson } from '../../../api/object.js';
import { Client, EventRecorder, InformerFactory, RESOURCE_TYPES, WorkQueue, isAlreadyExists, isNotFound, objectKey, runController, type RunningController } from '../../../client/index.js';
import type { Logger } from '../../../util/logger.js';
import { ANN_SELECTED_NODE, claimClass } from '../volume-util.js';
import { DEFAULT_LOCAL_PATH_BASE_DIR, LOCAL_PATH_PROVISIONER, LOCAL_PATH_STORAGE_CLASS, localPathStorageClass, localPathVolume, shouldDelete, shouldProvision, unsupportedClaim, volumeNameFor } from './local-path.js';

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
  workers?: number;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';
const CLASS = 'class:';

export function startLocalPathProvisioner(options: LocalPathProvisionerOptions): RunningController {
  const { client, informers } = options;
  const baseDir = options.baseDir ?? DEFAULT_LOCAL_PATH_BASE_DIR;
  const provisioner = options.provisionerName ?? LOCAL_PATH_PROVISIONER;
  const className = options.storageClass === undefined ? LOCAL_PATH_STORAGE_CLASS : options.storageClass;
  const logger = options.logger.child({ controller: 'local-path-provisioner' });
  const recorder = new EventRecorder(client, { component: provisioner }, { logger });
  const queue = new WorkQueue<string>();
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims);
  const volumeInformer = informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes);
  const classInformer = informers.informerFor<StorageClass>(RESOURCE_TYPES.storageclasses);
  const nodeInformer = informers.informerFor<Node>(RESOURCE_TYPES.nodes);
  const claims = claimInformer.lister();
  const volumes = volumeInformer.lister();
  const classes = classInformer.lister();
  const nodes = nodeInformer.lister();

  claimInformer.addEventHandler({ onAdd: (c) => queue.add(CLAIM + objectKey(c)), onUpdate: (_o, c) => queue.add(CLAIM + objectKey(c)) });
  volumeInformer.addEventHandler({ onAdd: (v) => queue.add(VOLUME + objectKey(v)), onUpdate: (_o, v) => queue.add(VOLUME + objectKey(v)) });
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

  async function provision(key: string): Promise<void> {
    const claim = claims.get(key);
    if (!claim) return;
    const scName = claimClass(claim);
    const sc = classes.get(scName);
    if (!shouldProvision(claim, sc, provisioner) || !sc) return;
    // Made already (its binding may just not have finished): nothing to do.
    if (volumes.get(volumeNameFor(claim))) return;
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
    recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const volume = localPathVolume(claim, sc, node, baseDir, provisioner);
    try {
      await client.create<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, volume);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        failed(err instanceof Error ? err.message : String(err));
        throw err;
      }
    }
    logger.info({ claim: key, volume: volume.metadata?.name, node: nodeName, path: volume.spec?.hostPath?.path }, 'provisioned');
    recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata?.name ?? ''}`);
  }

  async function reclaim(name: string): Promise<void> {
    const volume = volumes.get(name);
    if (!volume || !shouldDelete(volume, provisioner)) return;
    // The directory itself is not removed here: no process of this provisioner runs on the node.
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
        else if (item.startsWith(CLAIM)) await provision(item.slice(CLAIM.length));
        else if (item.startsWith(VOLUME)) await reclaim(item.slice(VOLUME.length));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
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
