/**
 * The replica controller behind both ReplicaSet and ReplicationController (a thin
 * ReplicaKind adapter tells them apart): for each owner it claims the active pods of
 * its namespace (adopting orphans that match, releasing its own that no longer do),
 * creates pods from the template in slow-start batches or deletes the least valuable
 * ones to reach spec.replicas, guarded by expectations so a sync never acts twice on
 * what the informer has not seen yet, and writes the status. Everything goes through
 * the API.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import { matchLabels, type LabelSelector } from '../../api/labels.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isConflict,
  isNotFound,
  objectKey,
  runController,
  splitKey,
  type ResourceType,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { classifyClaims, newControllerRef } from './claim.js';
import { Expectations } from './expectations.js';
import { availableAt, controllerRef, isPodActive, podsToDelete, slowStartBatches } from './pod-util.js';
import { calculateStatus, type ManageError, type ReplicaStatus } from './status.js';
import { settleLimited } from '../../util/settle-limited.js';
import { applyPodClaims } from './apply-claims.js';

/** Upstream BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** Writes in flight at once, well under the API server's 200 mutating requests. */
const MAX_CONCURRENT_WRITES = 50;

/** What both kinds look like to this controller. */
export interface ReplicaOwner {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec };
  status?: ReplicaStatus;
}

export interface ReplicaKind {
  /** Controller name in logs and events' source. */
  controllerName: string;
  type: ResourceType;
  apiVersion: string;
  kind: string;
  selector(owner: ReplicaOwner): LabelSelector;
}

export interface ReplicaControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  kind: ReplicaKind;
  now?: () => Date;
  workers?: number;
}

export function startReplicaController(options: ReplicaControllerOptions): RunningController {
  const { client, informers, kind } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ controller: kind.controllerName });
  const queue = new WorkQueue<string>();
  const expectations = new Expectations(() => now().getTime());
  const recorder = new EventRecorder(client, { component: `${kind.controllerName}-controller` }, { logger });
  const ownerInformer = informers.informerFor<ReplicaOwner>(kind.type);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const owners = ownerInformer.lister();
  const pods = podInformer.lister();

  const resolve = (namespace: string | undefined, ref: { kind?: string; name?: string; uid?: string } | undefined): ReplicaOwner | undefined => {
    if (!ref || ref.kind !== kind.kind || !namespace) return undefined;
    const owner = owners.get(`${namespace}/${ref.name}`);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  };
  const enqueueMatching = (pod: Pod) => {
    for (const owner of owners.namespace(pod.metadata?.namespace ?? '').list()) {
      if (matchLabels(kind.selector(owner), pod.metadata?.labels)) queue.add(objectKey(owner));
    }
  };
  const podGone = (pod: Pod) => {
    const owner = resolve(pod.metadata?.namespace, controllerRef(pod));
    if (!owner) return;
    const key = objectKey(owner);
    expectations.deletionObserved(key, objectKey(pod));
    queue.add(key);
  };

  ownerInformer.addEventHandler({
    onAdd: (o) => queue.add(objectKey(o)),
    onUpdate: (_old, o) => queue.add(objectKey(o)),
    onDelete: (o) => {
      const key = objectKey(deletedObject(o));
      expectations.forget(key);
      queue.add(key);
    },
  });
  podInformer.addEventHandler({
    onAdd(pod) {
      if (pod.metadata?.deletionTimestamp) return podGone(pod);
      const ref = controllerRef(pod);
      if (ref) {
        const owner = resolve(pod.metadata?.namespace, ref);
        if (!owner) return;
        expectations.creationObserved(objectKey(owner));
        queue.add(objectKey(owner));
        return;
      }
      enqueueMatching(pod);
    },
    onUpdate(old, pod) {
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      const labelsChanged = !jsonEqual(old.metadata?.labels, pod.metadata?.labels);
      if (pod.metadata?.deletionTimestamp) {
        podGone(pod);
        if (labelsChanged) podGone(old);
        return;
      }
      const oldRef = controllerRef(old);
      const ref = controllerRef(pod);
      const refChanged = oldRef?.uid !== ref?.uid;
      if (refChanged && oldRef) {
        const before = resolve(old.metadata?.namespace, oldRef);
        if (before) queue.add(objectKey(before));
      }
      if (ref) {
        const owner = resolve(pod.metadata?.namespace, ref);
        if (owner) queue.add(objectKey(owner));
        return;
      }
      if (labelsChanged || refChanged) enqueueMatching(pod);
    },
    onDelete: (p) => podGone(deletedObject(p)),
  });

  async function claimPods(owner: ReplicaOwner, selector: LabelSelector, candidates: Pod[]): Promise<Pod[]> {
    const uid = owner.metadata!.uid!;
    const decision = classifyClaims({ uid, deleting: !!owner.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, candidates);
    return applyPodClaims(client, { type: kind.type, apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata!.name!, namespace: owner.metadata!.namespace!, uid }, decision);
  }

  function podFromTemplate(owner: ReplicaOwner): Pod {
    const template = owner.spec?.template ?? {};
    const meta: ObjectMeta = {
      generateName: `${owner.metadata!.name}-`,
      namespace: owner.metadata!.namespace!,
      ownerReferences: [newControllerRef({ apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata!.name!, uid: owner.metadata!.uid! })],
    };
    if (template.metadata?.labels) meta.labels = { ...template.metadata.labels };
    if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
    if (template.metadata?.finalizers) meta.finalizers = [...template.metadata.finalizers];
    return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: cloneJson(template.spec!) };
  }

  /** Creates or deletes pods toward spec.replicas; returns the failure to report, if any. */
  async function manageReplicas(key: string, owner: ReplicaOwner, active: Pod[]): Promise<ManageError | undefined> {
    const want = owner.spec?.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      expectations.expectCreations(key, count);
      let created = 0;
      let failure: ManageError | undefined;
      for (const batch of slowStartBatches(count)) {
        const results = await settleLimited(Array.from({ length: batch }, () => podFromTemplate(owner)), MAX_CONCURRENT_WRITES, (pod) => client.create<Pod>(RESOURCE_TYPES.pods, pod));
        for (const r of results) {
          if (r.status === 'fulfilled') {
            created++;
            recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name ?? ''}`);
          } else {
            const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
            failure ??= { diff, message };
            recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${message}`);
          }
        }
        // Upstream stops after a batch with failures: the rest would most likely fail too.
        if (failure) break;
      }
      // Creations that were never made (or failed) will never be observed.
      const unobserved = count - created;
      if (unobserved > 0) expectations.creationObserved(key, unobserved);
      return failure;
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(active, relatedPods(owner, active), count, now().getTime());
      expectations.expectDeletions(key, victims.map(objectKey));
      let failure: ManageError | undefined;
      const results = await settleLimited(victims, MAX_CONCURRENT_WRITES, (pod) => client.delete(RESOURCE_TYPES.pods, pod.metadata!.name!, { namespace: pod.metadata!.namespace! }));
      results.forEach((r, i) => {
        const pod = victims[i]!;
        if (r.status === 'fulfilled') {
          recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
          return;
        }
        expectations.deletionObserved(key, objectKey(pod));
        if (isNotFound(r.reason)) return;
        const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
        failure ??= { diff, message };
        recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${message}`);
      });
      return failure;
    }
    return undefined;
  }

  /** Pods of every sibling with the same controller (a Deployment's ReplicaSets), for node ranking. */
  function relatedPods(owner: ReplicaOwner, own: Pod[]): Pod[] {
    const parent = controllerRef(owner);
    if (!parent) return own;
    const siblings = new Set(
      owners
        .namespace(owner.metadata!.namespace!)
        .list()
        .filter((o) => controllerRef(o)?.uid === parent.uid)
        .map((o) => o.metadata?.uid),
    );
    return pods
      .namespace(owner.metadata!.namespace!)
      .list()
      .filter((p) => siblings.has(controllerRef(p)?.uid));
  }

  async function writeStatus(owner: ReplicaOwner, status: ReplicaStatus): Promise<ReplicaOwner> {
    let current = owner;
    for (let attempt = 0; ; attempt++) {
      if (jsonEqual(current.status ?? {}, status)) return current;
      try {
        return await client.updateStatus<ReplicaOwner>(kind.type, { ...current, status });
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await client.get<ReplicaOwner>(kind.type, owner.metadata!.name!, { namespace: owner.metadata!.namespace! });
      }
    }
  }

  const controller = runController({
    name: kind.controllerName,
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    // runController names the controller in its own logs.
    logger: options.logger,
    async reconcile(key) {
      const owner = owners.get(key);
      if (!owner) {
        expectations.forget(key);
        return undefined;
      }
      const { namespace } = splitKey(key);
      const needsSync = expectations.satisfied(key);
      const selector = kind.selector(owner);
      const active = pods.namespace(namespace).list().filter(isPodActive);
      const claimed = await claimPods(owner, selector, active);
      let manageError: ManageError | undefined;
      if (needsSync && !owner.metadata?.deletionTimestamp) manageError = await manageReplicas(key, owner, claimed);
      const status = calculateStatus(
        owner.status,
        { generation: owner.metadata?.generation, templateLabels: owner.spec?.template?.metadata?.labels, minReadySeconds: owner.spec?.minReadySeconds },
        claimed,
        manageError,
        now(),
      );
      try {
        await writeStatus(owner, status);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (manageError) throw new Error(manageError.message);
      // Pods ready but not yet available become available with no event to say so.
      const minReady = owner.spec?.minReadySeconds ?? 0;
      const pending = claimed.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > now().getTime());
      if (pending.length) return { requeueAfterMs: Math.min(...pending) - now().getTime() + 1000 };
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
