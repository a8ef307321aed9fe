/**
 * The Deployment controller (upstream pkg/controller/deployment): claims the
 * ReplicaSets matching a Deployment's selector, finds or creates the ReplicaSet for
 * the current template (named `<deployment>-<pod-template-hash>`), and moves replicas
 * from old to new — RollingUpdate within maxSurge/maxUnavailable, or Recreate — and
 * scales proportionally when the Deployment is resized mid-rollout. It keeps the
 * revision annotations, prunes history to revisionHistoryLimit, honours spec.paused,
 * and reports status with the Progressing and Available conditions. It only talks to
 * the API; the arithmetic lives in deployment-util.ts.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, isEmpty, matchLabels } from '../../api/labels.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isAlreadyExists,
  isNotFound,
  objectKey,
  runController,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { classifyClaims, newControllerRef, withOwnerRef, withoutOwnerRef } from '../replicaset/claim.js';
import { controllerRef } from '../replicaset/pod-util.js';
import {
  POD_TEMPLATE_HASH,
  REASONS,
  REVISION,
  activeReplicaSets,
  byCreation,
  calculateStatus,
  computeHash,
  deploymentComplete,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  getCondition,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  proportionalSizes,
  replicaSetsToCleanUp,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionOf,
  rollingScaleDownPlan,
  rolloutStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  stuckRequeueAfter,
} from './deployment-util.js';

const CONTROLLER_UID_INDEX = 'controllerUID';

export interface DeploymentControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  workers?: number;
}

type Result = { requeueAfterMs?: number } | undefined;

export function startDeploymentController(options: DeploymentControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ controller: 'deployment' });
  const queue = new WorkQueue<string>();
  const recorder = new EventRecorder(client, { component: 'deployment-controller' }, { logger });
  const dInformer = informers.informerFor<Deployment>(RESOURCE_TYPES.deployments);
  const rsInformer = informers.informerFor<ReplicaSet>(RESOURCE_TYPES.replicasets);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods, { indexers: { [CONTROLLER_UID_INDEX]: (p) => [controllerRef(p)?.uid ?? ''].filter(Boolean) } });
  const deployments = dInformer.lister();
  const replicaSets = rsInformer.lister();

  const ownerOf = (rs: ReplicaSet): Deployment | undefined => {
    const ref = controllerRef(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = deployments.get(`${rs.metadata?.namespace}/${ref.name}`);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  };
  const enqueueFor = (rs: ReplicaSet) => {
    const owner = ownerOf(rs);
    if (owner) return queue.add(objectKey(owner));
    if (controllerRef(rs)) return;
    for (const d of deployments.namespace(rs.metadata?.namespace ?? '').list()) {
      if (matchLabels(labelSelectorFromObject(d.spec?.selector), rs.metadata?.labels)) queue.add(objectKey(d));
    }
  };

  dInformer.addEventHandler({
    onAdd: (d) => queue.add(objectKey(d)),
    onUpdate: (_old, d) => queue.add(objectKey(d)),
    onDelete: (d) => queue.add(objectKey(deletedObject(d))),
  });
  rsInformer.addEventHandler({
    onAdd: enqueueFor,
    onUpdate(old, rs) {
      if (old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
      if (controllerRef(old)?.uid !== controllerRef(rs)?.uid) enqueueFor(old);
      enqueueFor(rs);
    },
    onDelete: (rs) => enqueueFor(deletedObject(rs)),
  });
  // Recreate waits for the old pods to be gone: hear of each going.
  podInformer.addEventHandler({
    onDelete(p) {
      const pod = deletedObject(p);
      const ref = controllerRef(pod);
      if (!ref || ref.kind !== 'ReplicaSet') return;
      const rs = replicaSets.get(`${pod.metadata?.namespace}/${ref.name}`);
      if (rs?.metadata?.uid !== ref.uid) return;
      const d = ownerOf(rs);
      if (d && !isRollingUpdate(d)) queue.add(objectKey(d));
    },
  });

  /** One reconcile of one Deployment; `d` follows the writes made to it. */
  class Sync {
    constructor(public d: Deployment) {}

    get ns(): string {
      return this.d.metadata!.namespace!;
    }

    async claimReplicaSets(): Promise<ReplicaSet[]> {
      const d = this.d;
      const selector = labelSelectorFromObject(d.spec?.selector);
      const uid = d.metadata!.uid!;
      const decision = classifyClaims({ uid, deleting: !!d.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, replicaSets.namespace(this.ns).list());
      const claimed = [...decision.owned];
      if (decision.adopt.length) {
        const fresh = await client.get<Deployment>(RESOURCE_TYPES.deployments, d.metadata!.name!, { namespace: this.ns });
        if (fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp) {
          const ref = newControllerRef({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata!.name!, uid });
          for (const rs of decision.adopt) {
            const next = cloneJson(rs);
            next.metadata!.ownerReferences = withOwnerRef(rs.metadata?.ownerReferences, ref);
            try {
              claimed.push(await client.update<ReplicaSet>(RESOURCE_TYPES.replicasets, next));
            } catch (err) {
              if (!isNotFound(err)) throw err;
            }
          }
        }
      }
      for (const rs of decision.release) {
        const next = cloneJson(rs);
        next.metadata!.ownerReferences = withoutOwnerRef(rs.metadata?.ownerReferences, uid);
        try {
          await client.update<ReplicaSet>(RESOURCE_TYPES.replicasets, next);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return claimed;
    }

    async saveStatus(status: DeploymentStatus): Promise<void> {
      if (jsonEqual(this.d.status ?? {}, status)) return;
      this.d = await client.updateStatus<Deployment>(RESOURCE_TYPES.deployments, { ...this.d, status });
    }

    /** The revision annotation lives in metadata, which a status write does not change. */
    async saveRevision(revision: number): Promise<void> {
      if (this.d.metadata?.annotations?.[REVISION] === String(revision)) return;
      const next = cloneJson(this.d);
      next.metadata!.annotations = { ...next.metadata!.annotations, [REVISION]: String(revision) };
      this.d = await client.update<Deployment>(RESOURCE_TYPES.deployments, next);
    }

    /** Old and new ReplicaSets; the new one gets the next revision, and is created if asked. */
    async replicaSetsAndRevision(rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
      const found = findNewReplicaSet(this.d, rsList);
      const oldRSs = rsList.filter((rs) => rs !== found);
      const maxOld = Math.max(0, ...oldRSs.map(revisionOf));
      const newRevision = maxOld + 1;
      const d = this.d;
      if (found) {
        const rs = cloneJson(found);
        const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true);
        const minReadyChanged = (rs.spec!.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
        let newRS = found;
        if (annotationsChanged || minReadyChanged) {
          rs.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
          newRS = await client.update<ReplicaSet>(RESOURCE_TYPES.replicasets, rs);
          // Later steps of this sync read the list again: they must see this write.
          rsList[rsList.indexOf(found)] = newRS;
        }
        await this.saveRevision(revisionOf(newRS));
        if (!getCondition(this.d.status, 'Progressing')) {
          const status = cloneJson(this.d.status ?? {});
          setCondition(status, newCondition('Progressing', 'True', REASONS.foundNewRS, `Found new replica set "${newRS.metadata?.name}"`, now()));
          await this.saveStatus(status);
        }
        return { newRS, oldRSs };
      }
      if (!create) return { newRS: undefined, oldRSs };
      return { newRS: await this.createNewReplicaSet(oldRSs, newRevision), oldRSs };
    }

    async createNewReplicaSet(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
      const d = this.d;
      const hash = computeHash(d.spec!.template, d.status?.collisionCount);
      const template = cloneJson(d.spec!.template);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
      const selector = cloneJson(d.spec!.selector);
      selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata!.name}-${hash}`,
          namespace: this.ns,
          labels: { ...template.metadata.labels },
          ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata!.name!, uid: d.metadata!.uid! })],
        },
        spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
      };
      rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
      setNewReplicaSetAnnotations(d, rs, newRevision, false);
      let created: ReplicaSet;
      try {
        created = await client.create<ReplicaSet>(RESOURCE_TYPES.replicasets, rs);
      } catch (err) {
        if (isAlreadyExists(err)) {
          const existing = await client.get<ReplicaSet>(RESOURCE_TYPES.replicasets, rs.metadata!.name!, { namespace: this.ns });
          // Ours, not yet in the cache: nothing collided.
          if (controllerRef(existing)?.uid === d.metadata!.uid && equalIgnoreHash(existing.spec?.template, d.spec?.template)) return existing;
          const status = cloneJson(this.d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.saveStatus(status);
          throw new Error(`found a hash collision for deployment ${JSON.stringify(d.metadata!.name)} - bumping collisionCount to ${status.collisionCount}`);
        }
        const message = err instanceof Error ? err.message : String(err);
        const status = cloneJson(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'False', REASONS.failedRSCreate, message, now()));
        recorder.event(d, 'Warning', REASONS.failedRSCreate, message);
        await this.saveStatus(status);
        throw err;
      }
      if (replicasOf(created) > 0) recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${replicasOf(created)}`);
      await this.saveRevision(newRevision);
      const status = cloneJson(this.d.status ?? {});
      setCondition(status, newCondition('Progressing', 'True', REASONS.newRSCreated, `Created new replica set "${created.metadata?.name}"`, now()));
      await this.saveStatus(status);
      return created;
    }

    /** Resizes a ReplicaSet, keeping its desired/max annotations current; returns whether the size changed. */
    async scale(rs: ReplicaSet, size: number): Promise<{ rs: ReplicaSet; scaled: boolean }> {
      const d = this.d;
      const desired = replicasOf(d);
      const max = desired + maxSurge(d);
      const sizeChanged = replicasOf(rs) !== size;
      if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { rs, scaled: false };
      const next = cloneJson(rs);
      next.spec!.replicas = size;
      setReplicasAnnotations(next, desired, max);
      const updated = await client.update<ReplicaSet>(RESOURCE_TYPES.replicasets, next);
      if (sizeChanged) {
        const op = size > replicasOf(rs) ? 'up' : 'down';
        recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} from ${replicasOf(rs)} to ${size}`);
      }
      return { rs: updated, scaled: sizeChanged };
    }

    async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
      for (const rs of replicaSetsToCleanUp(this.d, oldRSs)) {
        try {
          await client.delete(RESOURCE_TYPES.replicasets, rs.metadata!.name!, { namespace: this.ns });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }

    async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<Result> {
      const status = rolloutStatus(allRSs, newRS, this.d, now());
      if (!jsonEqual(this.d.status ?? {}, status)) {
        await this.saveStatus(status);
        return undefined;
      }
      const after = stuckRequeueAfter(this.d, status, now());
      return after === undefined ? undefined : { requeueAfterMs: after };
    }

    /** Scaling (or a paused Deployment): resize without rolling out (upstream sync). */
    async syncScale(rsList: ReplicaSet[]): Promise<Result> {
      const { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
      const d = this.d;
      const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
      const current = new Map<ReplicaSet, ReplicaSet>();
      if (activeOrLatest) {
        current.set(activeOrLatest, (await this.scale(activeOrLatest, replicasOf(d))).rs);
      } else if (isSaturated(d, newRS)) {
        for (const rs of activeReplicaSets(oldRSs)) current.set(rs, (await this.scale(rs, 0)).rs);
      } else if (isRollingUpdate(d)) {
        for (const [rs, size] of proportionalSizes(d, activeReplicaSets([...oldRSs, newRS]))) current.set(rs, (await this.scale(rs, size)).rs);
      }
      const latest = (rs: ReplicaSet) => current.get(rs) ?? rs;
      if (d.spec?.paused) await this.cleanup(oldRSs.map(latest));
      const all = [...oldRSs.map(latest), newRS && latest(newRS)];
      const status = calculateStatus(all, newRS && latest(newRS), this.d, now());
      await this.saveStatus(status);
      return undefined;
    }

    async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
      const { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
      return activeReplicaSets([newRS, ...oldRSs]).some((rs) => {
        const desired = desiredReplicasAnnotation(rs);
        return desired !== undefined && desired !== replicasOf(this.d);
      });
    }

    async rolloutRolling(rsList: ReplicaSet[]): Promise<Result> {
      const got = await this.replicaSetsAndRevision(rsList, true);
      let newRS = got.newRS!;
      const oldRSs = got.oldRSs;
      const d = this.d;
      // Grow the new ReplicaSet as far as maxSurge lets it.
      const target = replicasOf(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, [...oldRSs, newRS], newRS);
      const up = await this.scale(newRS, target);
      newRS = up.rs;
      if (up.scaled) return this.syncRolloutStatus([...oldRSs, newRS], newRS);
      // Then shrink the old ones as far as maxUnavailable lets them.
      const plan = rollingScaleDownPlan(d, newRS, activeReplicaSets(oldRSs));
      let scaledDown = false;
      const latest = new Map<ReplicaSet, ReplicaSet>();
      for (const [rs, size] of plan) {
        const r = await this.scale(rs, size);
        latest.set(rs, r.rs);
        scaledDown ||= r.scaled;
      }
      const olds = oldRSs.map((rs) => latest.get(rs) ?? rs);
      if (scaledDown) return this.syncRolloutStatus([...olds, newRS], newRS);
      if (deploymentComplete(d, d.status ?? {})) await this.cleanup(olds);
      return this.syncRolloutStatus([...olds, newRS], newRS);
    }

    async rolloutRecreate(rsList: ReplicaSet[]): Promise<Result> {
      let { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
      let scaledDown = false;
      const olds: ReplicaSet[] = [];
      for (const rs of oldRSs) {
        if (replicasOf(rs) === 0) {
          olds.push(rs);
          continue;
        }
        const r = await this.scale(rs, 0);
        olds.push(r.rs);
        scaledDown ||= r.scaled;
      }
      if (scaledDown) return this.syncRolloutStatus([...olds, newRS], newRS);
      if (this.oldPodsRunning(olds)) return this.syncRolloutStatus([...olds, newRS], newRS);
      if (!newRS) ({ newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, true));
      const up = await this.scale(newRS!, replicasOf(this.d));
      if (up.scaled) return this.syncRolloutStatus([...olds, up.rs], up.rs);
      if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(olds);
      return this.syncRolloutStatus([...olds, up.rs], up.rs);
    }

    /** Any pod of an old ReplicaSet not finished, terminating ones included (upstream oldPodsRunning). */
    oldPodsRunning(oldRSs: ReplicaSet[]): boolean {
      if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
      return oldRSs.some((rs) =>
        podInformer.indexer
          .byIndex(CONTROLLER_UID_INDEX, rs.metadata?.uid ?? '')
          .some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded'),
      );
    }

    /** Progressing reports a pause and a resume (upstream checkPausedConditions). */
    async checkPausedConditions(): Promise<void> {
      const d = this.d;
      if (d.spec?.progressDeadlineSeconds === undefined) return;
      const cond = getCondition(d.status, 'Progressing');
      if (cond?.reason === REASONS.timedOut) return;
      const pausedNoted = cond?.reason === REASONS.paused;
      const status = cloneJson(d.status ?? {});
      if (d.spec.paused && !pausedNoted) {
        setCondition(status, newCondition('Progressing', 'Unknown', REASONS.paused, 'Deployment is paused', now()));
      } else if (!d.spec.paused && pausedNoted) {
        setCondition(status, newCondition('Progressing', 'Unknown', REASONS.resumed, 'Deployment is resumed', now()));
      } else return;
      await this.saveStatus(status);
    }
  }

  const controller = runController({
    name: 'deployment',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    // runController names the controller in its own logs.
    logger: options.logger,
    async reconcile(key) {
      const cached = deployments.get(key);
      if (!cached) return undefined;
      const sync = new Sync(cloneJson(cached));
      const d = sync.d;
      const selector = labelSelectorFromObject(d.spec?.selector);
      if (isEmpty(selector)) {
        recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
        if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) await sync.saveStatus({ ...d.status, observedGeneration: d.metadata!.generation! });
        return undefined;
      }
      const rsList = (await sync.claimReplicaSets()).sort(byCreation);
      if (d.metadata?.deletionTimestamp) {
        const { newRS, oldRSs } = await sync.replicaSetsAndRevision(rsList, false);
        await sync.saveStatus(calculateStatus([...oldRSs, newRS], newRS, sync.d, now()));
        return undefined;
      }
      await sync.checkPausedConditions();
      if (sync.d.spec?.paused) return sync.syncScale(rsList);
      if (await sync.isScalingEvent(rsList)) return sync.syncScale(rsList);
      return isRollingUpdate(sync.d) ? sync.rolloutRolling(rsList) : sync.rolloutRecreate(rsList);
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
