/**
 * The StatefulSet controller (upstream pkg/controller/statefulset): for each set it claims
 * its member pods and ControllerRevisions, makes sure a revision records the current
 * template (updateRevision) beside the one the set is rolling from (currentRevision),
 * keeps its PVCs' owner references in line with the retention policy, carries out the
 * plan (plan.ts: create in ordinal order, delete failed and condemned pods, roll updates
 * from the highest ordinal down), writes the status and trims the revision history.
 * Pods are created by name, so a stale cache at worst meets AlreadyExists/NotFound;
 * deletions carry the pod's uid as a precondition so a recreated pod is never hit.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject, matchLabels, type LabelSelector } from '../../api/labels.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isAlreadyExists,
  isConflict,
  isNotFound,
  objectKey,
  runController,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { DEFAULT_REVISION_HISTORY_LIMIT, equalRevisions, nextRevisionNumber, revisionsToTrim, sortRevisions } from '../history/history.js';
import { claimRevisions, createRevision, deleteRevision, updateRevisionNumber } from '../history/revision-client.js';
import { classifyClaims, withOwnerRef, withoutOwnerRef } from '../replicaset/claim.js';
import { availableAt, controllerRef } from '../replicaset/pod-util.js';
import { desiredClaimOwnerRefs } from './claims.js';
import { planStatefulSet, type StatefulAction } from './plan.js';
import { revisionData, templateOfRevision } from './revisions.js';
import { claimsFor, identityMatches, isMemberOf, ordinalRange, podFromTemplate, podOrdinal, podRevision, setControllerRef, withIdentity } from './stateful-pod.js';
import { computeStatus } from './status.js';

export interface StatefulSetControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  workers?: number;
}

type Named<T> = T & { metadata: ObjectMeta & { name: string; namespace: string } };

const OWNER = { apiVersion: 'apps/v1', kind: 'StatefulSet' } as const;

export function startStatefulSetController(options: StatefulSetControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ controller: 'statefulset' });
  const queue = new WorkQueue<string>();
  const recorder = new EventRecorder(client, { component: 'statefulset-controller' }, { logger });
  const setInformer = informers.informerFor<StatefulSet>(RESOURCE_TYPES.statefulsets);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const revisionInformer = informers.informerFor<ControllerRevision>(RESOURCE_TYPES.controllerrevisions);
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims);
  const sets = setInformer.lister();
  const pods = podInformer.lister();
  const revisions = revisionInformer.lister();
  const pvcs = claimInformer.lister();

  const selectorOf = (set: StatefulSet): LabelSelector => labelSelectorFromObject(set.spec?.selector);
  const ownerOf = (namespace: string | undefined, ref: { kind?: string; name?: string; uid?: string } | undefined): StatefulSet | undefined => {
    if (!ref || ref.kind !== 'StatefulSet' || !namespace) return undefined;
    const set = sets.get(`${namespace}/${ref.name}`);
    return set?.metadata?.uid === ref.uid ? set : undefined;
  };
  const enqueueOwnerOrMatching = (obj: Pod | ControllerRevision) => {
    const ref = controllerRef(obj);
    if (ref) {
      const set = ownerOf(obj.metadata?.namespace, ref);
      if (set) queue.add(objectKey(set));
      return;
    }
    for (const set of sets.namespace(obj.metadata?.namespace ?? '').list()) {
      if (matchLabels(selectorOf(set), obj.metadata?.labels)) queue.add(objectKey(set));
    }
  };
  setInformer.addEventHandler({
    onAdd: (s) => queue.add(objectKey(s)),
    onUpdate: (_o, s) => queue.add(objectKey(s)),
    onDelete: (s) => queue.add(objectKey(deletedObject(s))),
  });
  for (const informer of [podInformer, revisionInformer] as const) {
    (informer as typeof podInformer).addEventHandler({
      onAdd: (o) => enqueueOwnerOrMatching(o),
      onUpdate: (old, o) => {
        if (old.metadata?.resourceVersion === o.metadata?.resourceVersion) return;
        if (controllerRef(old)?.uid !== controllerRef(o)?.uid) enqueueOwnerOrMatching(old);
        enqueueOwnerOrMatching(o);
      },
      onDelete: (o) => enqueueOwnerOrMatching(deletedObject(o)),
    });
  }

  async function claimPods(set: StatefulSet, selector: LabelSelector): Promise<Pod[]> {
    const uid = set.metadata!.uid!;
    // Only pods whose name makes them members can be adopted (upstream isMemberOf filter).
    const candidates = pods.namespace(set.metadata!.namespace!).list().filter((p) => isMemberOf(set, p) || controllerRef(p)?.uid === uid);
    const decision = classifyClaims({ uid, deleting: !!set.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, candidates);
    const claimed = decision.owned.filter((p) => isMemberOf(set, p));
    for (const pod of decision.adopt) {
      const next = cloneJson(pod) as Named<Pod>;
      next.metadata.ownerReferences = withOwnerRef(pod.metadata?.ownerReferences, setControllerRef(set));
      try {
        claimed.push(await client.update<Named<Pod>>(RESOURCE_TYPES.pods, next));
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    for (const pod of [...decision.release, ...decision.owned.filter((p) => !isMemberOf(set, p))]) {
      const next = cloneJson(pod) as Named<Pod>;
      next.metadata.ownerReferences = withoutOwnerRef(pod.metadata?.ownerReferences, uid);
      try {
        await client.update(RESOURCE_TYPES.pods, next);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return claimed;
  }

  /** The set's revisions, the current and update revision, and the collision count (upstream getStatefulSetRevisions). */
  async function syncRevisions(set: StatefulSet, selector: LabelSelector) {
    const owned = sortRevisions(
      await claimRevisions(client, {
        owner: set,
        ownerApiVersion: OWNER.apiVersion,
        ownerKind: OWNER.kind,
        selector,
        candidates: revisions.namespace(set.metadata!.namespace!).list(),
        // As upstream: re-read the set before adopting; a deleted or replaced one adopts nothing.
        canAdopt: async () => {
          const fresh = await client.get<StatefulSet>(RESOURCE_TYPES.statefulsets, set.metadata!.name!, { namespace: set.metadata!.namespace! });
          return fresh.metadata?.uid === set.metadata?.uid && !fresh.metadata?.deletionTimestamp;
        },
      }),
    );
    let collisionCount = set.status?.collisionCount ?? 0;
    const data = revisionData(set);
    const equal = equalRevisions(owned, data);
    let update: ControllerRevision;
    const latest = owned[owned.length - 1];
    if (equal.length && equal[equal.length - 1] === latest) {
      update = latest!;
    } else if (equal.length) {
      // Rolling back to an older template renumbers that revision as the newest.
      update = await updateRevisionNumber(client, equal[equal.length - 1]!, nextRevisionNumber(owned));
    } else {
      const created = await createRevision(
        client,
        { owner: set, ownerApiVersion: OWNER.apiVersion, ownerKind: OWNER.kind, data, revision: nextRevisionNumber(owned), labels: set.spec?.template?.metadata?.labels ?? {} },
        collisionCount,
      );
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const all = [...owned.filter((r) => r.metadata?.name !== update.metadata?.name), update];
    const current = all.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { all, current, update, collisionCount };
  }

  async function ensureClaims(set: StatefulSet, ordinal: number, pod: Pod | undefined, condemned: boolean): Promise<void> {
    for (const claim of claimsFor(set, ordinal)) {
      const existing = pvcs.get(`${claim.metadata!.namespace}/${claim.metadata!.name}`);
      if (!existing) {
        claim.metadata!.ownerReferences = desiredClaimOwnerRefs(set, claim, pod, condemned);
        if (!claim.metadata!.ownerReferences.length) delete claim.metadata!.ownerReferences;
        try {
          await client.create(RESOURCE_TYPES.persistentvolumeclaims, claim as Named<PersistentVolumeClaim>);
          recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata!.name} Pod ${pod?.metadata?.name ?? `${set.metadata!.name}-${ordinal}`} in StatefulSet ${set.metadata!.name} success`);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        continue;
      }
      if (existing.metadata?.deletionTimestamp) throw new Error(`pvc ${existing.metadata.name} is being deleted`);
      const refs = desiredClaimOwnerRefs(set, existing, pod, condemned);
      if (jsonEqual(refs, existing.metadata?.ownerReferences ?? [])) continue;
      const next = cloneJson(existing) as Named<PersistentVolumeClaim>;
      next.metadata.ownerReferences = refs;
      try {
        await client.update(RESOURCE_TYPES.persistentvolumeclaims, next);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  async function deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await client.delete(RESOURCE_TYPES.pods, pod.metadata!.name!, { namespace: pod.metadata!.namespace!, preconditions: { uid: pod.metadata!.uid! } });
      recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async function act(set: StatefulSet, action: StatefulAction, revs: { current: ControllerRevision; update: ControllerRevision }): Promise<void> {
    const { end } = ordinalRange(set);
    switch (action.type) {
      case 'create': {
        await ensureClaims(set, action.ordinal, undefined, false);
        const rev = action.revision === 'current' ? revs.current : revs.update;
        const pod = podFromTemplate(set, templateOfRevision(rev), action.ordinal, rev.metadata!.name!);
        try {
          await client.create(RESOURCE_TYPES.pods, pod as Named<Pod>);
          recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
        } catch (err) {
          if (!isAlreadyExists(err)) {
            recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${err instanceof Error ? err.message : String(err)}`);
            throw err;
          }
        }
        return;
      }
      case 'delete':
        // A scaled-down pod hands its claims to the retention policy before it goes.
        if (action.why === 'condemned') await ensureClaims(set, podOrdinal(action.pod), action.pod, podOrdinal(action.pod) >= end);
        await deletePod(set, action.pod);
        return;
      case 'fix': {
        await ensureClaims(set, podOrdinal(action.pod), action.pod, false);
        if (identityMatches(set, action.pod)) return;
        try {
          await client.update(RESOURCE_TYPES.pods, withIdentity(action.pod) as Named<Pod>);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
        return;
      }
    }
  }

  /** Whether a pod misses its identity labels, a claim, or has claim owners the policy does not want. */
  function needsFix(set: StatefulSet, pod: Pod): boolean {
    if (!identityMatches(set, pod)) return true;
    const ordinal = podOrdinal(pod);
    return claimsFor(set, ordinal).some((c) => {
      const existing = pvcs.get(`${c.metadata!.namespace}/${c.metadata!.name}`);
      return !existing || !jsonEqual(desiredClaimOwnerRefs(set, existing, pod, false), existing.metadata?.ownerReferences ?? []);
    });
  }

  async function writeStatus(set: StatefulSet, status: StatefulSet['status']): Promise<void> {
    let current = set;
    for (let attempt = 0; ; attempt++) {
      if (jsonEqual(current.status ?? {}, status)) return;
      try {
        await client.updateStatus(RESOURCE_TYPES.statefulsets, { ...current, status } as Named<StatefulSet>);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await client.get<StatefulSet>(RESOURCE_TYPES.statefulsets, set.metadata!.name!, { namespace: set.metadata!.namespace! });
      }
    }
  }

  async function truncateHistory(set: StatefulSet, all: ControllerRevision[], inUse: Set<string>): Promise<void> {
    const limit = set.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    for (const rev of revisionsToTrim(all, inUse, limit)) await deleteRevision(client, rev);
  }

  const controller = runController({
    name: 'statefulset',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const set = sets.get(key);
      if (!set) return undefined;
      const selector = selectorOf(set);
      const claimed = await claimPods(set, selector);
      const revs = await syncRevisions(set, selector);
      const currentName = revs.current.metadata!.name!;
      const updateName = revs.update.metadata!.name!;
      const nowMs = now().getTime();
      const plan = planStatefulSet({ set, pods: claimed, currentRevision: currentName, updateRevision: updateName, nowMs, needsFix: (p) => needsFix(set, p) });
      let failure: unknown;
      for (const action of plan.actions) {
        try {
          await act(set, action, revs);
        } catch (err) {
          failure = err;
          break;
        }
      }
      const status = computeStatus({ set, pods: claimed, currentRevision: currentName, updateRevision: updateName, collisionCount: revs.collisionCount, nowMs });
      await writeStatus(set, status);
      const inUse = new Set([currentName, updateName, ...claimed.map(podRevision).filter(Boolean)]);
      await truncateHistory(set, revs.all, inUse);
      if (failure) throw failure;
      // Ready pods become available after minReadySeconds with no event to say so.
      const minReady = set.spec?.minReadySeconds ?? 0;
      const pending = claimed.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > nowMs);
      if (pending.length) return { requeueAfterMs: Math.min(...pending) - nowMs + 1000 };
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
