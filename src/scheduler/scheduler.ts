/**
 * The scheduler as an API client: informers on pods, nodes and namespaces feed the cache
 * (bound pods) and the queue (pending pods of this scheduler's name); a loop pops a pod,
 * runs the framework on a snapshot, assumes the pod onto the chosen node and binds it
 * through `pods/<name>/binding` in the background. A pod that fits nowhere gets a
 * FailedScheduling event and PodScheduled=False/Unschedulable, and waits in the queue for
 * an event that could help it. It never touches storage.
 */
import type { Namespace, Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { Client, EventRecorder, InformerFactory, RESOURCE_TYPES, deletedObject, type SharedInformer } from '../client/index.js';
import { formatTime, realClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SchedulerCache } from './cache.js';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
import { Framework } from './framework.js';
import { SchedulerMetrics } from './metrics.js';
import { podInfo, podKey } from './pod-info.js';
import { preempt, type Candidate } from './preemption.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';
import { DEFAULT_PROFILE, type ProfilePlugin } from './registry.js';
import type { ClusterEvent } from './types.js';

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
}

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
  private stopped = false;
  private loop: Promise<void> | undefined;
  private synced = false;

  constructor(options: SchedulerOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.clock = options.clock ?? realClock;
    this.name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.informers = options.informers;
    this.framework = new Framework(options.profile ?? DEFAULT_PROFILE);
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
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (obj) => this.podDeleted(deletedObject(obj)),
    });
  }

  /** Starts the informers and, once they have synced, the scheduling loop. */
  start(): void {
    this.informers.start();
    this.queue.run();
    this.loop = (async () => {
      if (!(await this.informers.waitForCacheSync())) return;
      this.synced = true;
      this.logger.info({ nodes: this.cache.nodeCount() }, 'scheduler caches synced; scheduling');
      await this.run();
    })();
  }

  healthy(): boolean {
    return this.synced && !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
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
      result = this.framework.schedule(info, snapshot);
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
    const binding = this.bind(q, result.node, started).finally(() => this.bindings.delete(binding));
    this.bindings.add(binding);
  }

  private async bind(q: QueuedPod, node: string, started: number): Promise<void> {
    const pod = q.pod;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.postBinding(pod, node);
    } catch (err) {
      this.cache.forgetPod(q.key);
      this.metrics.attempts.inc({ result: 'error', profile: this.name });
      const message = `Binding rejected: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn({ pod: q.key, node, err: message }, 'binding failed');
      if (!(err instanceof ApiError && err.code === 404)) {
        this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
        this.queue.addBackoff(q);
      } else {
        this.queue.done(q.key);
      }
      return;
    }
    this.queue.done(q.key);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.attempts.inc({ result: 'scheduled', profile: this.name });
    this.metrics.attemptDuration.observe({ result: 'scheduled', profile: this.name }, seconds);
    this.metrics.podAttempts.observe(q.attempts);
    this.metrics.podDuration.observe({ attempts: String(q.attempts) }, Math.max(0, (this.clock.now() - q.initialTimestamp) / 1000));
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
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
