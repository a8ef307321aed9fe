/**
 * The DaemonSet controller (upstream pkg/controller/daemon): one pod per eligible node.
 * For each DaemonSet it claims the pods of its namespace, finds or creates the
 * ControllerRevision of its template, then creates a pod (pinned to the node by required
 * node affinity, for the scheduler to bind) on each fitting node without one, deletes
 * pods from nodes that stopped fitting or vanished, extras, and failed pods (behind a
 * backoff), rolls pods to the new revision within maxUnavailable / maxSurge (or leaves
 * that to the user with OnDelete), trims old revisions and writes the status. Guarded by
 * expectations so a sync never acts twice on what the informers have not seen yet.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { jsonEqual } from '../../api/object.js';
import { isEmpty, labelSelectorFromObject, matchLabels } from '../../api/labels.js';
import {
  EventRecorder,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isConflict,
  isNotFound,
  objectKey,
  runController,
  splitKey,
  type Client,
  type InformerFactory,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { classifyClaims } from '../replicaset/claim.js';
import { controllerRef, isPodReady, slowStartBatches } from '../replicaset/pod-util.js';
import { BURST_REPLICAS } from '../replicaset/replica-controller.js';
import { newDaemonPod } from './daemon-pod.js';
import { Expectations } from '../replicaset/expectations.js';
import { FailedPodBackoff, failedPodBackoffKey } from './failed-pod-backoff.js';
import { DaemonSetHistory } from './history-sync.js';
import { planManage, podsByNode } from './manage.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import { planRollingUpdate } from './rolling-update.js';
import { countDaemonPods, daemonSetStatus } from './status.js';
import { settleLimited } from '../../util/settle-limited.js';
import { applyPodClaims } from '../replicaset/apply-claims.js';

/** Writes in flight at once, well under the API server's 200 mutating requests. */
const MAX_CONCURRENT_WRITES = 50;

export interface DaemonSetControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  workers?: number;
  /** Backoff before replacing a failed pod again on the same node (upstream 1 s doubling to 15 min). */
  failedPodBackoff?: { initialMs?: number; maxMs?: number };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const selectorOf = (ds: DaemonSet) => labelSelectorFromObject(ds.spec?.selector);

export function startDaemonSetController(options: DaemonSetControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const logger = options.logger.child({ controller: 'daemonset' });
  const queue = new WorkQueue<string>();
  const expectations = new Expectations(nowMs);
  const backoff = new FailedPodBackoff(nowMs, options.failedPodBackoff?.initialMs, options.failedPodBackoff?.maxMs);
  const recorder = new EventRecorder(client, { component: 'daemonset-controller' }, { logger });
  const history = new DaemonSetHistory(client);
  const dsInformer = informers.informerFor<DaemonSet>(RESOURCE_TYPES.daemonsets);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const nodeInformer = informers.informerFor<Node>(RESOURCE_TYPES.nodes);
  const revisionInformer = informers.informerFor<ControllerRevision>(RESOURCE_TYPES.controllerrevisions);
  const daemonSets = dsInformer.lister();
  const pods = podInformer.lister();
  const nodes = nodeInformer.lister();
  const revisions = revisionInformer.lister();

  const enqueue = (ds: DaemonSet) => queue.add(objectKey(ds));
  const resolve = (namespace: string | undefined, ref: { kind?: string; name?: string; uid?: string } | undefined): DaemonSet | undefined => {
    if (!ref || ref.kind !== 'DaemonSet' || !namespace) return undefined;
    const ds = daemonSets.get(`${namespace}/${ref.name}`);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  };
  const matching = (obj: { metadata?: ObjectMeta }) =>
    daemonSets
      .namespace(obj.metadata?.namespace ?? '')
      .list()
      .filter((ds) => {
        const sel = selectorOf(ds);
        return !isEmpty(sel) && matchLabels(sel, obj.metadata?.labels);
      });

  dsInformer.addEventHandler({
    onAdd: enqueue,
    onUpdate: (_old, ds) => enqueue(ds),
    onDelete: (obj) => {
      const key = objectKey(deletedObject(obj));
      expectations.forget(key);
      queue.add(key);
    },
  });

  const podGone = (pod: Pod) => {
    const ds = resolve(pod.metadata?.namespace, controllerRef(pod));
    if (!ds) return;
    expectations.deletionObserved(objectKey(ds), objectKey(pod));
    enqueue(ds);
  };
  podInformer.addEventHandler({
    onAdd(pod) {
      // A pod already on its way out (seen after a restart) is no creation to count.
      if (pod.metadata?.deletionTimestamp) return podGone(pod);
      const ref = controllerRef(pod);
      if (ref) {
        const ds = resolve(pod.metadata?.namespace, ref);
        if (!ds) return;
        expectations.creationObserved(objectKey(ds));
        enqueue(ds);
        return;
      }
      matching(pod).forEach(enqueue);
    },
    onUpdate(old, pod) {
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      if (pod.metadata?.deletionTimestamp) return podGone(pod);
      const oldRef = controllerRef(old);
      const ref = controllerRef(pod);
      const refChanged = !jsonEqual(oldRef, ref);
      if (refChanged && oldRef) {
        const before = resolve(old.metadata?.namespace, oldRef);
        if (before) enqueue(before);
      }
      if (ref) {
        const ds = resolve(pod.metadata?.namespace, ref);
        if (!ds) return;
        enqueue(ds);
        // Becoming available after minReadySeconds is no event of its own: look again then.
        const minReady = ds.spec?.minReadySeconds ?? 0;
        if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) queue.addAfter(objectKey(ds), minReady * 1000 + 1000);
        return;
      }
      if (refChanged || !jsonEqual(old.metadata?.labels, pod.metadata?.labels)) matching(pod).forEach(enqueue);
    },
    onDelete: (obj) => podGone(deletedObject(obj)),
  });

  nodeInformer.addEventHandler({
    onAdd(node) {
      for (const ds of daemonSets.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) enqueue(ds);
    },
    onUpdate(old, node) {
      // Only labels and taints decide where daemon pods run.
      if (jsonEqual(old.metadata?.labels, node.metadata?.labels) && jsonEqual(old.spec?.taints, node.spec?.taints)) return;
      for (const ds of daemonSets.list()) {
        if (!jsonEqual(nodeShouldRunDaemonPod(old, ds), nodeShouldRunDaemonPod(node, ds))) enqueue(ds);
      }
    },
    // Upstream leaves pods of a deleted node to the pod GC; we remove daemon pods ourselves.
    onDelete(obj) {
      const name = deletedObject(obj).metadata?.name;
      const owners = new Map<string, DaemonSet>();
      for (const pod of pods.list()) {
        if (pod.spec?.nodeName !== name) continue;
        const ds = resolve(pod.metadata?.namespace, controllerRef(pod));
        if (ds) owners.set(objectKey(ds), ds);
      }
      owners.forEach(enqueue);
    },
  });

  const revisionOwner = (r: ControllerRevision) => resolve(r.metadata?.namespace, controllerRef(r));
  revisionInformer.addEventHandler({
    onAdd(r) {
      const ds = revisionOwner(r);
      if (ds) enqueue(ds);
      else if (!controllerRef(r)) matching(r).forEach(enqueue);
    },
    onUpdate(old, r) {
      if (old.metadata?.resourceVersion === r.metadata?.resourceVersion) return;
      const before = revisionOwner(old);
      if (before) enqueue(before);
      const ds = revisionOwner(r);
      if (ds) enqueue(ds);
      else if (!controllerRef(r)) matching(r).forEach(enqueue);
    },
    onDelete(obj) {
      const ds = revisionOwner(deletedObject(obj));
      if (ds) enqueue(ds);
    },
  });

  /** Pods of the namespace the DaemonSet controls, after adopting matching orphans and releasing strays. */
  async function claimPods(ds: DaemonSet): Promise<Pod[]> {
    const uid = ds.metadata!.uid!;
    const selector = selectorOf(ds);
    const candidates = pods.namespace(ds.metadata!.namespace!).list();
    const decision = classifyClaims({ uid, deleting: !!ds.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, candidates);
    return applyPodClaims(client, { type: RESOURCE_TYPES.daemonsets, apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata!.name!, namespace: ds.metadata!.namespace!, uid }, decision);
  }

  /** Of pods bound to nodes missing from the cache, those whose node the API confirms is gone. */
  async function onVanishedNodes(candidates: Pod[]): Promise<string[]> {
    const gone = new Map<string, boolean>();
    const out: string[] = [];
    for (const pod of candidates) {
      const node = pod.spec!.nodeName!;
      if (!gone.has(node)) {
        try {
          await client.get<Node>(RESOURCE_TYPES.nodes, node);
          gone.set(node, false);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          gone.set(node, true);
        }
      }
      if (gone.get(node)) out.push(pod.metadata!.name!);
    }
    return out;
  }

  /** Creates pods on `nodeNames` and deletes `podNames`, counting both as expectations first. */
  async function syncNodes(key: string, ds: DaemonSet, podNames: string[], nodeNames: string[], hash: string): Promise<void> {
    const namespace = ds.metadata!.namespace!;
    const creates = nodeNames.slice(0, BURST_REPLICAS);
    const deletes = podNames.slice(0, BURST_REPLICAS);
    expectations.set(key, creates.length, deletes.map((name) => `${namespace}/${name}`));
    const errors: string[] = [];

    let done = 0;
    for (const batch of slowStartBatches(creates.length)) {
      const results = await settleLimited(creates.slice(done, done + batch), MAX_CONCURRENT_WRITES, (node) => client.create<Pod>(RESOURCE_TYPES.pods, newDaemonPod(ds, node, hash)));
      done += batch;
      let failed = false;
      for (const r of results) {
        if (r.status === 'fulfilled') {
          recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name ?? ''}`);
          continue;
        }
        expectations.creationObserved(key);
        // Creating in a namespace being deleted fails for good; nothing to retry.
        if (/being terminated/.test(messageOf(r.reason))) continue;
        failed = true;
        errors.push(messageOf(r.reason));
        recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${messageOf(r.reason)}`);
      }
      // Upstream stops after a failing batch: the rest would most likely fail too.
      if (failed) {
        if (creates.length > done) expectations.creationObserved(key, creates.length - done);
        break;
      }
    }

    const results = await settleLimited(deletes, MAX_CONCURRENT_WRITES, (name) => client.delete(RESOURCE_TYPES.pods, name, { namespace }));
    results.forEach((r, i) => {
      const name = deletes[i]!;
      if (r.status === 'fulfilled') {
        recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        return;
      }
      expectations.deletionObserved(key, `${namespace}/${name}`);
      if (isNotFound(r.reason)) return;
      errors.push(messageOf(r.reason));
      recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(r.reason)}`);
    });
    if (errors.length) throw new Error(errors.join('; '));
  }

  async function writeStatus(ds: DaemonSet, hash: string, observe: boolean): Promise<{ ready: number; available: number }> {
    const nodeToPods = podsByNode(pods.namespace(ds.metadata!.namespace!).list().filter((p) => controllerRef(p)?.uid === ds.metadata?.uid));
    const counts = countDaemonPods(ds, nodes.list(), nodeToPods, hash, nowMs());
    let current = ds;
    for (let attempt = 0; ; attempt++) {
      const status = daemonSetStatus(current.status, counts, observe ? ds.metadata?.generation : undefined);
      if (jsonEqual(current.status ?? {}, status)) break;
      try {
        await client.updateStatus<DaemonSet>(RESOURCE_TYPES.daemonsets, { ...current, status });
        break;
      } catch (err) {
        if (isNotFound(err)) break;
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, ds.metadata!.name!, { namespace: ds.metadata!.namespace! });
      }
    }
    return { ready: counts.numberReady, available: counts.numberAvailable };
  }

  async function reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const ds = daemonSets.get(key);
    if (!ds) {
      expectations.forget(key);
      return undefined;
    }
    if (isEmpty(selectorOf(ds))) {
      recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return undefined;
    }
    // Whether its revisions or pods still exist is unknown while it is deleted: leave it be.
    if (ds.metadata?.deletionTimestamp) return undefined;
    const { namespace } = splitKey(key);
    const claimed = await claimPods(ds);
    const { old, hash } = await history.construct(ds, revisions.namespace(namespace).list(), () => claimed);

    if (!expectations.satisfied(key)) {
      // Not acting on this generation yet, so observedGeneration stays.
      await writeStatus(ds, hash, false);
      return undefined;
    }

    let retryAfterMs: number | undefined;
    let failure: unknown;
    try {
      const nodeList = nodes.list();
      const plan = planManage({
        ds,
        nodes: nodeList,
        nodeToPods: podsByNode(claimed),
        hash,
        nowMs: nowMs(),
        failedPodBackoff: (node) => backoff.attempt(failedPodBackoffKey(ds.metadata!.uid!, ds.status?.observedGeneration, node)),
      });
      for (const e of plan.events) recorder.event(ds, e.type, e.reason, e.message);
      retryAfterMs = plan.retryAfterMs;
      const deletes = [...plan.delete, ...(await onVanishedNodes(plan.onMissingNodes))];
      await syncNodes(key, ds, deletes, plan.create, hash);

      if (expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const update = planRollingUpdate({ ds, nodes: nodeList, nodeToPods: podsByNode(claimed), hash, nowMs: nowMs() });
        if (update.delete.length || update.create.length) await syncNodes(key, ds, update.delete, update.create, hash);
      }
      await history.cleanup(ds, old, claimed);
    } catch (err) {
      failure = err;
    }
    const { ready, available } = await writeStatus(ds, hash, true);
    if (failure) throw failure;
    backoff.gc();
    // Ready pods turn available with no event to say so; the rolling update waits on that.
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && ready !== available) retryAfterMs = Math.min(retryAfterMs ?? Infinity, minReady * 1000);
    return retryAfterMs === undefined ? undefined : { requeueAfterMs: retryAfterMs };
  }

  const controller = runController({ name: 'daemonset', queue, workers: options.workers ?? 2, waitFor: [informers], logger: options.logger, reconcile });
  return {
    started: controller.started,
    done: controller.done,
    async stop() {
      await controller.stop();
      await recorder.stop();
    },
  };
}
