/**
 * The scheduler as an API client: informers on pods, nodes and namespaces feed the cache
 * (bound pods) and the queue (pending pods of this scheduler's name); volumes, claims,
 * storage classes and workloads feed the plugins that look at them. A loop pops a pod,
 * runs the framework on a snapshot, assumes the pod onto the chosen node, runs Reserve,
 * and starts the binding cycle in the background — PreBind (which may wait, e.g. for
 * volumes to be bound) then `pods/<name>/binding` — so the loop never waits on it. A
 * failed binding cycle runs Unreserve, forgets the pod and retries it after backoff. A
 * pod that fits nowhere gets a FailedScheduling event and PodScheduled=False/Unschedulable,
 * and waits in the queue for an event that could help it. It never touches storage.
 */
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ApiError } from '../api/errors.js';
import { Client, EventRecorder, InformerFactory, NAMESPACE_INDEX, RESOURCE_TYPES, deletedObject, type ObjectLike, type SharedInformer } from '../client/index.js';
import { formatTime, realClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SchedulerCache } from './cache.js';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
import { Framework } from './framework.js';
import { SchedulerMetrics } from './metrics.js';
import { podInfo, podKey, type PodInfo } from './pod-info.js';
import { preempt, type Candidate } from './preemption.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';
import { DEFAULT_PROFILE, type ProfilePlugin } from './registry.js';
import type { ClusterEvent, FrameworkHandle, Listers, Status } from './types.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** Bindings in flight at once; beyond this the loop waits, so a burst cannot queue unbounded writes. */
const MAX_BINDINGS_IN_FLIGHT = 64;

export interface SchedulerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  clock?: Clock;
  schedulerName?: string;
  profile?: ProfilePlugin[];
  /** Queue backoff (upstream 1 s → 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Forget an assumed pod this long after its binding finished if the informer never
   * reports it bound, returning its resources. Upstream 1.32 uses 0: never (issue #106361).
   */
  assumedPodTtlMs?: number;
  /** VolumeBinding's PreBind wait for claims to be bound (upstream 600 s) and its re-check period (1 s). */
  volumeBindTimeoutMs?: number;
  volumeBindPollMs?: number;
}

/** How often expired assumed pods are looked for (upstream cleanAssumedPeriod). */
const CLEAN_ASSUMED_PERIOD_MS = 1_000;

const terminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const assigned = (pod: Pod) => !!pod.spec?.nodeName;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class Scheduler {
  readonly metrics: SchedulerMetrics;
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  private readonly client: Client;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly name: string;
  private readonly recorder: EventRecorder;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly informers: InformerFactory;
  private readonly bindings = new Set<Promise<void>>();
  /** Pending pods of this scheduler with status.nominatedNodeName: node → pod key → pod. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private readonly assumedPodTtlMs: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private synced = false;
  private cleanTimer: { cancel(): void } | undefined;
  /** Aborted by stop(), so binding cycles waiting in PreBind give up instead of holding stop. */
  private readonly stopping = new AbortController();

  constructor(options: SchedulerOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.clock = options.clock ?? realClock;
    this.name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.informers = options.informers;
    this.assumedPodTtlMs = options.assumedPodTtlMs ?? 0;
    const handle: FrameworkHandle = {
      listers: this.listers(),
      writer: {
        updatePersistentVolume: (pv) => this.client.update<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, pv),
        updatePersistentVolumeClaim: (pvc) => this.client.update<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, pvc, { namespace: pvc.metadata?.namespace }),
      },
      clock: this.clock,
      signal: this.stopping.signal,
      ...(options.volumeBindTimeoutMs !== undefined ? { volumeBindTimeoutMs: options.volumeBindTimeoutMs } : {}),
      ...(options.volumeBindPollMs !== undefined ? { volumeBindPollMs: options.volumeBindPollMs } : {}),
    };
    this.framework = new Framework(options.profile ?? DEFAULT_PROFILE, undefined, undefined, handle);
    this.queue = new SchedulingQueue({
      clock: this.clock,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      pluginEvents: this.framework.eventsByPlugin(),
    });
    this.metrics = new SchedulerMetrics(() => this.queue.counts);
    this.recorder = new EventRecorder(this.client, { component: this.name }, { clock: this.clock, logger: this.logger });
    this.namespaces = this.informers.informerFor<Namespace>(RESOURCE_TYPES.namespaces);
    this.informers.informerFor<Node>(RESOURCE_TYPES.nodes).addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveOnEvent('Node/Add');
      },
      onUpdate: (old, node) => {
        this.cache.addNode(node);
        for (const event of nodeUpdateEvents(old, node)) this.queue.moveOnEvent(event);
      },
      onDelete: (obj) => {
        this.cache.removeNode(deletedObject(obj).metadata?.name ?? '');
        this.queue.moveOnEvent('Node/Delete');
      },
    });
    this.informers.informerFor<Pod>(RESOURCE_TYPES.pods).addEventHandler({
      onAdd: (pod) => {
        this.trackNominated(pod);
        this.podAdded(pod);
      },
      onUpdate: (old, pod) => {
        this.trackNominated(pod);
        this.podUpdated(old, pod);
      },
      onDelete: (obj) => {
        const pod = deletedObject(obj);
        this.untrackNominated(podKey(pod));
        this.podDeleted(pod);
      },
    });
    const requeueOn = <T extends ObjectLike>(informer: SharedInformer<T>, event: ClusterEvent) =>
      informer.addEventHandler({
        onAdd: () => this.queue.moveOnEvent(event),
        onUpdate: (old, obj) => {
          if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.queue.moveOnEvent(event);
        },
        onDelete: () => this.queue.moveOnEvent(event),
      });
    requeueOn(this.informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes), 'PersistentVolume/Change');
    requeueOn(this.informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims), 'PersistentVolumeClaim/Change');
    requeueOn(this.informers.informerFor<StorageClass>(RESOURCE_TYPES.storageclasses), 'StorageClass/Change');
  }

  /** Plugins' read access: the informers' caches (created here so they start with the rest). */
  private listers(): Listers {
    const pvs = this.informers.informerFor<PersistentVolume>(RESOURCE_TYPES.persistentvolumes).indexer;
    const pvcs = this.informers.informerFor<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims).indexer;
    const classes = this.informers.informerFor<StorageClass>(RESOURCE_TYPES.storageclasses).indexer;
    const services = this.informers.informerFor<Service>(RESOURCE_TYPES.services).indexer;
    const rcs = this.informers.informerFor<ReplicationController>(RESOURCE_TYPES.replicationcontrollers).indexer;
    const rss = this.informers.informerFor<ReplicaSet>(RESOURCE_TYPES.replicasets).indexer;
    const sss = this.informers.informerFor<StatefulSet>(RESOURCE_TYPES.statefulsets).indexer;
    return {
      persistentVolume: (name) => pvs.get(name),
      persistentVolumes: () => pvs.list(),
      persistentVolumeClaim: (ns, name) => pvcs.get(`${ns}/${name}`),
      storageClass: (name) => classes.get(name),
      services: (ns) => services.byIndex(NAMESPACE_INDEX, ns),
      replicationControllers: (ns) => rcs.byIndex(NAMESPACE_INDEX, ns),
      replicaSets: (ns) => rss.byIndex(NAMESPACE_INDEX, ns),
      statefulSets: (ns) => sss.byIndex(NAMESPACE_INDEX, ns),
    };
  }

  /** Keeps the nominated-pods map in step with a pod: pending pods of ours with a nominated node. */
  private trackNominated(pod: Pod): void {
    const key = podKey(pod);
    const node = !assigned(pod) && !terminal(pod) && this.responsible(pod) ? pod.status?.nominatedNodeName : undefined;
    if (this.nominatedNodeOf.get(key) === node && !node) return;
    this.untrackNominated(key);
    if (!node) return;
    let pods = this.nominated.get(node);
    if (!pods) this.nominated.set(node, (pods = new Map()));
    pods.set(key, podInfo(pod));
    this.nominatedNodeOf.set(key, node);
  }

  private untrackNominated(key: string): void {
    const node = this.nominatedNodeOf.get(key);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(key);
    const pods = this.nominated.get(node);
    pods?.delete(key);
    if (pods?.size === 0) this.nominated.delete(node);
  }

  /** Starts the informers and, once they have synced, the scheduling loop. */
  start(): void {
    this.informers.start();
    this.queue.run();
    if (this.assumedPodTtlMs > 0) this.cleanAssumedPeriodically();
    this.loop = (async () => {
      if (!(await this.informers.waitForCacheSync())) return;
      this.synced = true;
      this.logger.info({ nodes: this.cache.nodeCount() }, 'scheduler caches synced; scheduling');
      await this.run();
    })();
  }

  private cleanAssumedPeriodically(): void {
    if (this.stopped) return;
    this.cleanTimer = this.clock.setTimer(CLEAN_ASSUMED_PERIOD_MS, () => {
      for (const key of this.cache.cleanupExpiredAssumedPods(this.clock.now())) {
        this.logger.warn({ pod: key }, 'assumed pod expired: its binding never showed up; resources released');
        this.queue.moveOnEvent('Pod/Delete');
      }
      this.cleanAssumedPeriodically();
    });
  }

  healthy(): boolean {
    return this.synced && !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.cleanTimer?.cancel();
    this.queue.close();
    await this.loop;
    await Promise.allSettled([...this.bindings]);
    await this.recorder.stop();
  }

  /** Resolves once every binding started so far has finished (for tests and benches). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.bindings]);
    await this.recorder.flush();
  }

  private responsible(pod: Pod): boolean {
    return (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === this.name;
  }

  private podAdded(pod: Pod): void {
    if (assigned(pod)) {
      if (terminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveOnEvent('Pod/Add');
    } else if (this.responsible(pod) && !terminal(pod)) {
      this.queue.add(pod);
    }
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (assigned(pod)) {
      if (!assigned(old)) this.queue.delete(pod);
      if (terminal(pod)) {
        this.cache.removePod(pod);
        if (!terminal(old)) this.queue.moveOnEvent('Pod/Delete');
        return;
      }
      this.cache.addPod(pod);
      this.queue.moveOnEvent(assigned(old) ? 'Pod/Update' : 'Pod/Add');
      return;
    }
    if (!this.responsible(pod)) return;
    if (terminal(pod)) return this.queue.delete(pod);
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    if (this.cache.isAssumed(podKey(pod))) return;
    this.queue.update(old, pod);
  }

  private podDeleted(pod: Pod): void {
    if (assigned(pod)) {
      this.cache.removePod(pod);
      this.queue.moveOnEvent('Pod/Delete');
    } else {
      this.queue.delete(pod);
    }
  }

  private async run(): Promise<void> {
    let sinceYield = 0;
    while (!this.stopped) {
      const q = await this.queue.pop();
      if (!q) break;
      this.scheduleOne(q, this.queue.cycle);
      while (this.bindings.size >= MAX_BINDINGS_IN_FLIGHT) await Promise.race(this.bindings);
      // Let informer events in between pods, so the cache sees bindings and new nodes.
      if (++sinceYield >= 16) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** One scheduling cycle: decide synchronously, bind in the background. */
  scheduleOne(q: QueuedPod, cycle: number): void {
    const pod = q.pod;
    const key = q.key;
    if (pod.metadata?.deletionTimestamp || this.cache.hasPod(key)) {
      this.queue.done(key);
      return;
    }
    const started = performance.now();
    const info = podInfo(pod);
    const snapshot = this.cache.snapshot((ns) => this.namespaces.indexer.get(ns)?.metadata?.labels as Record<string, string> | undefined);
    let result;
    try {
      const nominated = this.nominated;
      result = this.framework.schedule(info, snapshot, nominated.size > 0 ? (node) => (nominated.has(node) ? [...nominated.get(node)!.values()] : undefined) : undefined);
    } catch (err) {
      this.logger.error({ pod: key, err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'scheduling attempt failed');
      this.metrics.attempts.inc({ result: 'error', profile: this.name });
      this.queue.addBackoff(q);
      return;
    }
    if (result.kind === 'unschedulable') {
      const outcome = result.numAllNodes === 0 ? undefined : preempt(this.framework, info, snapshot, result.diagnosis);
      const message =
        result.numAllNodes === 0
          ? NO_NODES_AVAILABLE
          : fitErrorMessage(result.numAllNodes, result.diagnosis, outcome?.kind === 'none' ? outcome.message : undefined);
      if (outcome?.kind === 'preempt') void this.evict(pod, outcome.candidate);
      this.metrics.attempts.inc({ result: 'unschedulable', profile: this.name });
      this.metrics.attemptDuration.observe({ result: 'unschedulable', profile: this.name }, (performance.now() - started) / 1000);
      this.logger.info({ pod: key, reason: message }, 'unable to schedule pod; waiting');
      this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
      void this.setUnschedulableCondition(pod, message);
      this.queue.addUnschedulable(q, cycle, result.diagnosis.unschedulablePlugins);
      return;
    }
    this.cache.assumePod(info, result.node);
    const reserve = this.framework.runReserve(result.state, info, result.node);
    if (reserve) {
      this.cache.forgetPod(q.key);
      this.failBinding(q, result.node, `running Reserve plugin "${reserve.plugin ?? ''}": ${reserve.reasons.join(', ')}`);
      return;
    }
    const state = result.state;
    const binding = this.bind(q, info, result.node, state, started).finally(() => this.bindings.delete(binding));
    this.bindings.add(binding);
  }

  /** The binding cycle: PreBind plugins, then pods/binding; any failure undoes Reserve and the assumption. */
  private async bind(q: QueuedPod, info: PodInfo, node: string, state: Map<string, unknown>, started: number): Promise<void> {
    const pod = q.pod;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    let preBind: Status | undefined;
    try {
      preBind = await this.framework.runPreBind(state, info, node);
    } catch (err) {
      preBind = { code: 'Error', reasons: [err instanceof Error ? err.message : String(err)], plugin: '' };
    }
    if (preBind) {
      this.framework.runUnreserve(state, info, node);
      this.cache.forgetPod(q.key);
      this.failBinding(q, node, `running PreBind plugin "${preBind.plugin ?? ''}": ${preBind.reasons.join(', ')}`);
      return;
    }
    try {
      await this.postBinding(pod, node);
    } catch (err) {
      this.framework.runUnreserve(state, info, node);
      this.cache.forgetPod(q.key);
      if (err instanceof ApiError && err.code === 404) {
        this.metrics.attempts.inc({ result: 'error', profile: this.name });
        this.queue.done(q.key);
        return;
      }
      this.failBinding(q, node, `Binding rejected: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.cache.finishBinding(q.key, this.clock.now() + this.assumedPodTtlMs, this.assumedPodTtlMs > 0);
    this.queue.done(q.key);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.attempts.inc({ result: 'scheduled', profile: this.name });
    this.metrics.attemptDuration.observe({ result: 'scheduled', profile: this.name }, seconds);
    this.metrics.podAttempts.observe(q.attempts);
    this.metrics.podDuration.observe({ attempts: String(q.attempts) }, Math.max(0, (this.clock.now() - q.initialTimestamp) / 1000));
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
  }

  /** A binding cycle that failed: record it and retry the pod after backoff. */
  private failBinding(q: QueuedPod, node: string, message: string): void {
    this.metrics.attempts.inc({ result: 'error', profile: this.name });
    this.logger.warn({ pod: q.key, node, err: message }, 'binding failed');
    this.recorder.event(q.pod, 'Warning', 'FailedScheduling', message);
    this.queue.addBackoff(q);
  }

  private async postBinding(pod: Pod, node: string): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const body = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: pod.metadata?.namespace, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    };
    await this.client.createSubresource(RESOURCE_TYPES.pods, name, 'binding', body, { namespace: pod.metadata?.namespace });
  }

  /**
   * Acts on a preemption decision as upstream: nominate the node in the preemptor's status,
   * mark each victim with a DisruptionTarget condition, delete it and record `Preempted`.
   * The preemptor waits in the queue; the victims' deletion events bring it back.
   */
  private async evict(preemptor: Pod, candidate: Candidate): Promise<void> {
    const key = podKey(preemptor);
    this.logger.info({ pod: key, node: candidate.node, victims: candidate.victims.map((v) => v.key) }, 'preempting');
    try {
      await this.client.patch(RESOURCE_TYPES.pods, preemptor.metadata?.name ?? '', 'merge', { status: { nominatedNodeName: candidate.node } }, { namespace: preemptor.metadata?.namespace, subresource: 'status' });
    } catch (err) {
      this.logger.warn({ pod: key, err: String(err) }, 'could not set nominatedNodeName');
    }
    await Promise.all(
      candidate.victims.map(async ({ pod: victim }) => {
        const name = victim.metadata?.name ?? '';
        const namespace = victim.metadata?.namespace;
        try {
          const conditions = (victim.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
          const condition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${this.name}: preempting to accommodate a higher priority pod`, lastTransitionTime: formatTime(this.clock.now()) };
          await this.client.patch(RESOURCE_TYPES.pods, name, 'merge', { status: { conditions: [...conditions, condition] } }, { namespace, subresource: 'status' });
          await this.client.delete(RESOURCE_TYPES.pods, name, { namespace, ...(victim.metadata?.uid ? { preconditions: { uid: victim.metadata.uid } } : {}) });
          this.recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${candidate.node}`);
        } catch (err) {
          this.logger.warn({ victim: `${namespace}/${name}`, err: String(err) }, 'could not preempt victim');
        }
      }),
    );
  }

  private async setUnschedulableCondition(pod: Pod, message: string): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const old = conditions.find((c) => c.type === 'PodScheduled');
    if (old && old.status === 'False' && old.reason === 'Unschedulable' && old.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : formatTime(this.clock.now()),
    };
    try {
      await this.client.patch(RESOURCE_TYPES.pods, pod.metadata?.name ?? '', 'merge', { status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), condition] } }, { namespace: pod.metadata?.namespace, subresource: 'status' });
    } catch (err) {
      this.logger.warn({ pod: podKey(pod), err: String(err) }, 'could not update PodScheduled condition');
    }
  }
}

/** Which node-update events a change carries (heartbeats and status-only changes carry none). */
export function nodeUpdateEvents(old: Node, node: Node): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  if (!same(old.status?.allocatable, node.status?.allocatable)) events.push('Node/UpdateAllocatable');
  if (!same(old.metadata?.labels, node.metadata?.labels)) events.push('Node/UpdateLabel');
  if (!same(old.spec?.taints, node.spec?.taints) || !!old.spec?.unschedulable !== !!node.spec?.unschedulable) events.push('Node/UpdateTaint');
  return events;
}
