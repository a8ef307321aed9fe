/**
 * The Job controller (batch/v1, upstream pkg/controller/job): for each Job it claims its
 * pods, creates pods from the template up to parallelism and the remaining completions
 * (one per pending index for Indexed Jobs), waits an exponential backoff after
 * failures, deletes pods when suspended, past activeDeadlineSeconds or failed by
 * backoffLimit or a podFailurePolicy rule, and counts finished pods through
 * status.uncountedTerminatedPods and the batch.kubernetes.io/job-tracking finalizer, so a
 * pod is counted exactly once even if it disappears. Indexed Jobs may budget failures
 * per index (backoffLimitPerIndex, maxFailedIndexes, FailIndex: per-index.ts) and succeed
 * early by a successPolicy (success-policy.ts). A Job ends with SuccessCriteriaMet then
 * Complete, or FailureTarget then Failed once no pod is terminating (1.32).
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject, matchLabels } from '../../api/labels.js';
import { cloneJson } from '../../api/object.js';
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
  type RunningController,
} from '../../client/index.js';
import { formatTime } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { classifyClaims } from '../replicaset/claim.js';
import { Expectations } from '../replicaset/expectations.js';
import { compareForDeletion, controllerRef, isPodActive, isPodReady, slowStartBatches } from '../replicaset/pod-util.js';
import { DEFAULT_POD_FAILURE_BACKOFF_MS, MAX_POD_FAILURE_BACKOFF_MS, nextBackoffRecord, remainingBackoffMs, type BackoffRecord } from './backoff.js';
import { FinalizerExpectations } from './finalizer-expectations.js';
import { firstPendingIndexes, formatIndexes, surplusIndexedPods, validIndex } from './indexes.js';
import { activeDeadlineLeftMs, countFinished, countUncounted, isComplete, planTracking, succeededIndexes, terminalCondition, wantActive, type IndexOutcome } from './job-sync.js';
import { JOB_TRACKING_FINALIZER, ensureCondition, findCondition, hasTrackingFinalizer, isIndexed, isJobFinished, isPodTerminating, isSuspended, managedElsewhere, newCondition, onlyReplaceFailedPods } from './job-util.js';
import { calculateFailedIndexes, hasBackoffLimitPerIndex, indexBackoffRemainingMs, podsAwaitingReplacement, replacementAnnotations } from './per-index.js';
import { podForJob } from './pod-template.js';
import { settleLimited } from '../../util/settle-limited.js';
import { applyPodClaims } from '../replicaset/apply-claims.js';

/** Upstream MaxPodCreateDeletePerSync. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
const MAX_CONCURRENT_WRITES = 50;
/** Upstream syncJobBatchPeriod. */
export const SYNC_BATCH_PERIOD_MS = 1000;

export interface JobControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  workers?: number;
  /** Backoff before replacing failed pods: base and cap (upstream 10 s and 10 min). Tests shorten them. */
  podFailureBackoffMs?: number;
  maxPodFailureBackoffMs?: number;
  /** Pod events and status-only Job updates sync after this delay, so a burst costs one sync (upstream 1 s). */
  syncBatchPeriodMs?: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function startJobController(options: JobControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const backoffBase = options.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS;
  const backoffMax = options.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS;
  const batchMs = options.syncBatchPeriodMs ?? SYNC_BATCH_PERIOD_MS;
  const queue = new WorkQueue<string>();
  const enqueueBatched = (key: string) => queue.addAfter(key, batchMs);
  const orphanQueue = new WorkQueue<string>();
  const expectations = new Expectations(nowMs);
  const finalizerExpectations = new FinalizerExpectations();
  const backoffRecords = new Map<string, BackoffRecord>();
  const recorder = new EventRecorder(client, { component: 'job-controller' }, { logger: options.logger });
  const jobInformer = informers.informerFor<Job>(RESOURCE_TYPES.jobs);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const jobs = jobInformer.lister();
  const pods = podInformer.lister();

  const resolve = (namespace: string | undefined, ref: { kind?: string; name?: string; uid?: string } | undefined): Job | undefined => {
    if (!ref || ref.kind !== 'Job' || !namespace) return undefined;
    const job = jobs.get(`${namespace}/${ref.name}`);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  };
  const enqueueMatching = (pod: Pod) => {
    for (const job of jobs.namespace(pod.metadata?.namespace ?? '').list()) {
      if (matchLabels(labelSelectorFromObject(job.spec?.selector), pod.metadata?.labels)) enqueueBatched(objectKey(job));
    }
  };
  /** A pod being deleted or gone: observe it, or have its finalizer removed when nobody will count it. */
  const podGone = (pod: Pod, final: boolean) => {
    const job = resolve(pod.metadata?.namespace, controllerRef(pod));
    if (!job || isJobFinished(job)) {
      if (hasTrackingFinalizer(pod) && !final) orphanQueue.add(objectKey(pod));
      return;
    }
    const key = objectKey(job);
    expectations.deletionObserved(key, objectKey(pod));
    if (final || !hasTrackingFinalizer(pod)) finalizerExpectations.observed(key, pod.metadata?.uid ?? '');
    enqueueBatched(key);
  };

  jobInformer.addEventHandler({
    onAdd: (job) => queue.add(objectKey(job)),
    onUpdate: (old, job) => {
      // A spec change syncs at once; status updates (mostly our own) are batched like pod events.
      if (old.metadata?.generation !== job.metadata?.generation) queue.add(objectKey(job));
      else enqueueBatched(objectKey(job));
      // A finished Job no longer syncs; any pod still holding the finalizer is released here.
      if (isJobFinished(job)) cleanupPodFinalizers(job);
    },
    onDelete: (j) => {
      const job = deletedObject(j);
      queue.add(objectKey(job));
      cleanupPodFinalizers(job);
    },
  });
  podInformer.addEventHandler({
    onAdd(pod) {
      if (pod.metadata?.deletionTimestamp) return podGone(pod, false);
      const ref = controllerRef(pod);
      if (ref) {
        const job = resolve(pod.metadata?.namespace, ref);
        if (!job) {
          if (hasTrackingFinalizer(pod) && ref.kind === 'Job') orphanQueue.add(objectKey(pod));
          return;
        }
        expectations.creationObserved(objectKey(job));
        enqueueBatched(objectKey(job));
        return;
      }
      if (hasTrackingFinalizer(pod)) orphanQueue.add(objectKey(pod));
      enqueueMatching(pod);
    },
    onUpdate(old, pod) {
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      if (pod.metadata?.deletionTimestamp) return podGone(pod, false);
      const finalizerGone = !hasTrackingFinalizer(pod);
      const oldRef = controllerRef(old);
      const ref = controllerRef(pod);
      const refChanged = oldRef?.uid !== ref?.uid;
      const touch = (job: Job | undefined) => {
        if (!job) return;
        if (finalizerGone) finalizerExpectations.observed(objectKey(job), pod.metadata?.uid ?? '');
        enqueueBatched(objectKey(job));
      };
      if (refChanged && oldRef) touch(resolve(old.metadata?.namespace, oldRef));
      if (ref) return touch(resolve(pod.metadata?.namespace, ref));
      if (hasTrackingFinalizer(pod)) orphanQueue.add(objectKey(pod));
      if (refChanged || JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) enqueueMatching(pod);
    },
    onDelete: (p) => podGone(deletedObject(p), true),
  });

  function cleanupPodFinalizers(job: Job): void {
    for (const pod of pods.namespace(job.metadata?.namespace ?? '').list()) {
      if (controllerRef(pod)?.uid === job.metadata?.uid && hasTrackingFinalizer(pod)) orphanQueue.add(objectKey(pod));
    }
  }

  /** Removes the tracking finalizer by update, re-reading the pod on a conflict. */
  async function removeFinalizer(pod: Pod): Promise<void> {
    let current = pod;
    for (let attempt = 0; ; attempt++) {
      if (!hasTrackingFinalizer(current)) return;
      const next = cloneJson(current) as Pod & { metadata: ObjectMeta };
      next.metadata.finalizers = (current.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      try {
        await client.update<Pod>(RESOURCE_TYPES.pods, next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
        current = await client.get<Pod>(RESOURCE_TYPES.pods, pod.metadata!.name!, { namespace: pod.metadata!.namespace! });
      }
    }
  }

  async function claimPods(job: Job): Promise<Pod[]> {
    const uid = job.metadata!.uid!;
    const selector = labelSelectorFromObject(job.spec?.selector);
    const all = pods.namespace(job.metadata!.namespace!).list();
    const decision = classifyClaims({ uid, deleting: !!job.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, all);
    return applyPodClaims(client, { type: RESOURCE_TYPES.jobs, apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, namespace: job.metadata!.namespace!, uid }, decision, {
      onAdopt: (pod) => {
        if (!hasTrackingFinalizer(pod)) pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
      },
      onRelease: (pod) => {
        pod.metadata.finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
      },
    });
  }

  interface Deleted {
    deleted: number;
    deletedReady: number;
    error?: Error;
  }

  /** Deletes pods; with `dropFinalizer` first removes the tracking finalizer so they are not counted as failures. */
  async function deletePods(key: string, job: Job, victims: Pod[], dropFinalizer: boolean): Promise<Deleted> {
    const out: Deleted = { deleted: 0, deletedReady: 0 };
    const results = await settleLimited(victims, MAX_CONCURRENT_WRITES, async (pod) => {
      if (dropFinalizer) await removeFinalizer(pod);
      await client.delete(RESOURCE_TYPES.pods, pod.metadata!.name!, { namespace: pod.metadata!.namespace! });
    });
    results.forEach((r, i) => {
      const pod = victims[i]!;
      if (r.status === 'rejected' && !isNotFound(r.reason)) {
        expectations.deletionObserved(key, objectKey(pod));
        out.error ??= new Error(message(r.reason));
        recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${message(r.reason)}`);
        return;
      }
      if (r.status === 'rejected') expectations.deletionObserved(key, objectKey(pod));
      else recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
      out.deleted++;
      if (isPodReady(pod)) out.deletedReady++;
    });
    return out;
  }

  interface SyncState {
    job: Job;
    pods: Pod[];
    active: Pod[];
    succeeded: number;
    succeededIdx: Set<number>;
    /** With backoffLimitPerIndex: the failed indexes, and per pending index the failed pod its next pod replaces. */
    failedIdx: Set<number>;
    awaiting: Map<number, Pod>;
    terminating: number;
    ready: number;
    backoff: BackoffRecord;
  }

  /** Creates or deletes pods toward the wanted number; returns the active count and when to look again. */
  async function manageJob(key: string, s: SyncState): Promise<{ active: number; requeueAfterMs?: number; error?: Error }> {
    const { job } = s;
    let active = s.active.length;
    if (isSuspended(job)) {
      expectations.expectDeletions(key, s.active.map(objectKey));
      const r = await deletePods(key, job, s.active, true);
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      return { active: active - r.deleted, ...(r.error ? { error: r.error } : {}) };
    }
    const want = wantActive(job, active, s.succeeded);
    const order = compareForDeletion(nowMs());
    let victims: Pod[] = [];
    let keep = s.active;
    if (isIndexed(job)) ({ remove: victims, keep } = surplusIndexedPods(s.active, job.spec?.completions ?? 0, nowMs()));
    // An index that failed gets no more work: its pods still running stop.
    if (s.failedIdx.size) {
      const completions = job.spec?.completions ?? 0;
      const ofFailed = (p: Pod) => s.failedIdx.has(validIndex(p, completions) ?? -1);
      victims = [...victims, ...keep.filter(ofFailed)];
      keep = keep.filter((p) => !ofFailed(p));
    }
    const more = active - victims.length - want;
    if (more > 0) victims = [...victims, ...[...keep].sort(order).slice(0, more)];
    victims = victims.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (victims.length) {
      expectations.expectDeletions(key, victims.map(objectKey));
      const r = await deletePods(key, job, victims, true);
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      // Deleting takes precedence: creations wait for the next sync.
      return { active: active - r.deleted, ...(r.error ? { error: r.error } : {}) };
    }
    const terminating = onlyReplaceFailedPods(job) ? s.terminating : 0;
    let diff = want - terminating - active;
    if (diff <= 0) return { active };
    const perIndex = hasBackoffLimitPerIndex(job);
    // With backoffLimitPerIndex the delay is per index (below), not for the whole Job.
    const wait = perIndex ? 0 : remainingBackoffMs(s.backoff, nowMs(), backoffBase, backoffMax);
    if (wait > 0) return { active, requeueAfterMs: Math.max(wait, batchMs) };
    let indexWaitMs: number | undefined;
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: (number | undefined)[] = Array.from({ length: diff }, () => undefined);
    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      const busy = new Set<number>();
      for (const p of s.pods) {
        const i = validIndex(p, completions);
        if (i === undefined) continue;
        if (isPodActive(p) || (onlyReplaceFailedPods(job) && isPodTerminating(p))) busy.add(i);
      }
      for (const i of s.failedIdx) busy.add(i);
      const pending = firstPendingIndexes(completions, s.succeededIdx, busy, diff);
      indexes = pending;
      if (perIndex) {
        // An index whose last pod failed waits out its own backoff; the others start now.
        indexes = pending.filter((i) => {
          const left = indexBackoffRemainingMs(s.awaiting.get(i), nowMs(), backoffBase, backoffMax);
          if (left > 0) indexWaitMs = Math.min(indexWaitMs ?? Infinity, left);
          return left <= 0;
        });
      }
      diff = indexes.length;
      const later = indexWaitMs !== undefined ? { requeueAfterMs: Math.max(indexWaitMs, batchMs) } : {};
      if (!diff) return { active, ...later };
    }
    expectations.expectCreations(key, diff);
    let created = 0;
    let error: Error | undefined;
    let offset = 0;
    for (const batch of slowStartBatches(diff)) {
      const slice = indexes.slice(offset, offset + batch);
      offset += batch;
      const results = await settleLimited(slice, MAX_CONCURRENT_WRITES, (index) => {
        // Each pod carries its index's failures so far: the count is kept nowhere else.
        const counts = perIndex && index !== undefined ? replacementAnnotations(job, s.awaiting.get(index)) : undefined;
        return client.create<Pod>(RESOURCE_TYPES.pods, podForJob(job, index, counts));
      });
      for (const r of results) {
        if (r.status === 'fulfilled') {
          created++;
          recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata?.name ?? ''}`);
        } else {
          error ??= new Error(message(r.reason));
          recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${message(r.reason)}`);
        }
      }
      if (error) break;
    }
    if (diff - created > 0) expectations.creationObserved(key, diff - created);
    return { active: active + created, ...(error ? { error } : {}), ...(indexWaitMs !== undefined ? { requeueAfterMs: Math.max(indexWaitMs, batchMs) } : {}) };
  }

  async function writeStatus(job: Job): Promise<Job> {
    return client.updateStatus<Job>(RESOURCE_TYPES.jobs, job);
  }

  /**
   * Records finished pods in uncountedTerminatedPods, removes their finalizers, moves them
   * into the counters, and sets the terminal condition once nothing is left to count.
   */
  async function trackStatus(key: string, s: SyncState, ending: JobCondition | undefined, previousIdx: Set<number>, needsFlushIn: boolean): Promise<void> {
    let job = s.job;
    let needsFlush = needsFlushIn;
    const expectedRm = finalizerExpectations.expected(key);
    const withFinalizer = new Set(s.pods.filter((p) => hasTrackingFinalizer(p) && !expectedRm.has(p.metadata?.uid ?? '')).map((p) => p.metadata?.uid ?? ''));
    const status = (job.status ??= {});
    if (countUncounted(status, withFinalizer)) needsFlush = true;
    const awaitingUids = new Set([...s.awaiting.values()].map((p) => p.metadata?.uid ?? ''));
    const plan = planTracking(job, s.pods, expectedRm, ending, previousIdx, awaitingUids);
    const unc = (status.uncountedTerminatedPods ??= {});
    if (plan.addSucceeded.length) unc.succeeded = [...(unc.succeeded ?? []), ...plan.addSucceeded];
    if (plan.addFailed.length) unc.failed = [...(unc.failed ?? []), ...plan.addFailed];
    if (plan.addSucceeded.length || plan.addFailed.length) needsFlush = true;
    if (isIndexed(job)) {
      const all = new Set([...previousIdx, ...plan.newSucceededIndexes]);
      const text = formatIndexes(all);
      if (text !== (status.completedIndexes ?? '')) needsFlush = true;
      status.completedIndexes = text;
      status.succeeded = all.size;
      if (hasBackoffLimitPerIndex(job)) {
        const failedText = formatIndexes(s.failedIdx);
        if (failedText !== status.failedIndexes) needsFlush = true;
        status.failedIndexes = failedText;
      }
    }
    let final = ending;
    if (ending?.type === 'FailureTarget') {
      status.conditions = [...(status.conditions ?? []), ending];
      needsFlush = true;
      final = newCondition('Failed', 'True', ending.reason ?? '', ending.message ?? '', nowMs());
    }
    if (ending?.type === 'SuccessCriteriaMet') {
      if (findCondition(job, 'SuccessCriteriaMet')?.status !== 'True') {
        status.conditions = [...(status.conditions ?? []), ending];
        needsFlush = true;
      }
      final = newCondition('Complete', 'True', ending.reason ?? '', ending.message ?? '', nowMs());
    }
    // First the status learns of the finished pods, then their finalizers go: a crash in between loses no count.
    if (needsFlush) {
      job = await writeStatus(job);
      if (s.backoff) backoffRecords.set(key, s.backoff);
      needsFlush = false;
    }
    let rmError: Error | undefined;
    if (plan.removeFinalizer.length) {
      finalizerExpectations.expectRemoved(key, plan.removeFinalizer.map((p) => p.metadata?.uid ?? ''));
      const results = await settleLimited(plan.removeFinalizer, MAX_CONCURRENT_WRITES, removeFinalizer);
      results.forEach((r, i) => {
        const pod = plan.removeFinalizer[i]!;
        if (r.status === 'fulfilled') withFinalizer.delete(pod.metadata?.uid ?? '');
        else {
          finalizerExpectations.observed(key, pod.metadata?.uid ?? '');
          rmError ??= new Error(`removing tracking finalizer: ${message(r.reason)}`);
        }
      });
    }
    const jobStatus = (job.status ??= {});
    if (countUncounted(jobStatus, withFinalizer)) needsFlush = true;
    if (rmError) {
      if (needsFlush) await writeStatus(job);
      throw rmError;
    }
    let finished = false;
    const uncounted = (jobStatus.uncountedTerminatedPods?.succeeded?.length ?? 0) + (jobStatus.uncountedTerminatedPods?.failed?.length ?? 0);
    // The terminal condition waits for every pod to be counted and to have stopped.
    if (final && !plan.reachedMax && uncounted === 0 && s.terminating === 0) {
      const r = ensureCondition(jobStatus.conditions ?? [], final.type as 'Complete' | 'Failed', 'True', final.reason ?? '', final.message ?? '', nowMs());
      jobStatus.conditions = r.conditions;
      if (final.type === 'Complete') jobStatus.completionTime = jobStatus.conditions.find((c) => c.type === 'Complete')!.lastTransitionTime!;
      finished = true;
      needsFlush = true;
    }
    if (needsFlush) {
      await writeStatus(job);
      if (finished) {
        if (final!.type === 'Complete') {
          const completions = job.spec?.completions;
          if (typeof completions === 'number' && (jobStatus.succeeded ?? 0) > completions) recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          recorder.event(job, 'Normal', 'Completed', 'Job completed');
        } else recorder.event(job, 'Warning', final!.reason ?? 'Failed', final!.message ?? '');
      }
    }
  }

  async function syncJob(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const shared = jobs.get(key);
    if (!shared) {
      expectations.forget(key);
      finalizerExpectations.forget(key);
      backoffRecords.delete(key);
      return undefined;
    }
    // A Job another controller manages (spec.managedBy) is left to it.
    if (managedElsewhere(shared)) return undefined;
    if (isJobFinished(shared)) {
      backoffRecords.delete(key);
      return undefined;
    }
    const mode = shared.spec?.completionMode ?? 'NonIndexed';
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return undefined;
    }
    const job = cloneJson(shared);
    const status = (job.status ??= {});
    status.uncountedTerminatedPods ??= {};
    const satisfied = expectations.satisfied(key);
    const owned = await claimPods(job);
    const active = owned.filter(isPodActive);
    const counts = countFinished(job, owned, finalizerExpectations.expected(key));
    const t = nowMs();
    if (!status.startTime && !isSuspended(job)) status.startTime = formatTime(t);
    const s: SyncState = {
      job,
      pods: owned,
      active,
      succeeded: counts.succeeded,
      succeededIdx: new Set(),
      failedIdx: new Set(),
      awaiting: new Map(),
      terminating: owned.filter(isPodTerminating).length,
      ready: active.filter(isPodReady).length,
      backoff: nextBackoffRecord(backoffRecords.get(key), counts.newSucceeded, counts.newFailed),
    };
    let previousIdx = new Set<number>();
    let outcome: IndexOutcome | undefined;
    if (isIndexed(job)) {
      const idx = succeededIndexes(job, owned);
      previousIdx = idx.previous;
      s.succeededIdx = idx.current;
      s.succeeded = idx.current.size;
      outcome = { succeeded: s.succeededIdx };
      if (hasBackoffLimitPerIndex(job)) {
        s.failedIdx = calculateFailedIndexes(job, owned);
        outcome.failed = s.failedIdx;
      }
    }
    let ending = terminalCondition(job, owned, counts.failed, t, outcome);
    if (hasBackoffLimitPerIndex(job)) {
      const completions = job.spec?.completions ?? 0;
      const activeIdx = new Set(active.map((p) => validIndex(p, completions)).filter((i): i is number => i !== undefined));
      s.awaiting = podsAwaitingReplacement(job, owned, s.succeededIdx, s.failedIdx, activeIdx);
    }
    let requeueAfterMs: number | undefined;
    if (!ending) {
      const left = activeDeadlineLeftMs(job, t);
      if (left !== undefined) requeueAfterMs = Math.max(0, left);
    }
    let activeCount = active.length;
    let manageError: Error | undefined;
    let suspendChanged = false;
    if (ending) {
      // Pods keep their finalizers: they are counted as failed when the Job failed.
      expectations.expectDeletions(key, active.map(objectKey));
      const r = await deletePods(key, job, active, false);
      if (r.deleted !== active.length || !satisfied) ending = undefined;
      activeCount -= r.deleted;
      s.terminating += r.deleted;
      s.ready -= r.deletedReady;
      manageError = r.error;
    } else {
      let managed = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        const r = await manageJob(key, s);
        activeCount = r.active;
        manageError = r.error;
        if (r.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.requeueAfterMs);
        managed = true;
      }
      if (isComplete(job, s.succeeded, activeCount)) {
        ending = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', nowMs());
      } else if (managed) {
        const suspended = isSuspended(job);
        const r = suspended
          ? ensureCondition(status.conditions ?? [], 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowMs())
          : ensureCondition(status.conditions ?? [], 'Suspended', 'False', 'JobResumed', 'Job resumed', nowMs());
        if (r.changed) {
          status.conditions = r.conditions;
          suspendChanged = true;
          recorder.event(job, 'Normal', suspended ? 'Suspended' : 'Resumed', suspended ? 'Job suspended' : 'Job resumed');
          // activeDeadlineSeconds counts time continuously active: a resumed Job starts anew.
          if (!suspended) status.startTime = formatTime(nowMs());
        }
      }
    }
    const needsFlush = suspendChanged || activeCount !== (status.active ?? 0) || s.ready !== status.ready || s.terminating !== status.terminating || status.startTime !== shared.status?.startTime;
    status.active = activeCount;
    status.ready = s.ready;
    status.terminating = s.terminating;
    await trackStatus(key, s, ending, previousIdx, needsFlush);
    if (manageError) throw manageError;
    return requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(requeueAfterMs, 1) } : undefined;
  }

  /** Removes the tracking finalizer from a pod no unfinished Job will count. */
  async function syncOrphanPod(key: string): Promise<void> {
    const pod = pods.get(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = resolve(pod.metadata?.namespace, ref);
      if (job && (managedElsewhere(job) || !isJobFinished(job))) return;
    }
    await removeFinalizer(pod);
  }

  const controller = runController({
    name: 'job',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    logger: options.logger,
    reconcile: async (key) => {
      try {
        return await syncJob(key);
      } catch (err) {
        // A Job deleted under us needs no retry.
        if (isNotFound(err) && !jobs.get(key)) return undefined;
        throw err;
      }
    },
  });
  const orphans = runController({ name: 'job-orphan-pod', queue: orphanQueue, workers: 1, waitFor: [informers], logger: options.logger, reconcile: syncOrphanPod });
  return {
    started: Promise.all([controller.started, orphans.started]).then((r) => r.every(Boolean)),
    done: Promise.all([controller.done, orphans.done]).then(() => undefined),
    async stop() {
      await Promise.all([controller.stop(), orphans.stop()]);
      await recorder.stop();
    },
  };
}
