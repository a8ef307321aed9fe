/**
 * The scheduling queue (upstream PriorityQueue): activeQ ordered by priority then
 * creation time; backoffQ for pods that failed, each waiting 1 s doubling to 10 s by its
 * attempts; and unschedulable pods parked until a cluster event that one of the plugins
 * that rejected them cares about arrives (or 5 minutes pass, upstream's flush). Pods in
 * flight (popped, being scheduled) are remembered so an event during their attempt sends
 * them to backoff rather than parking them. Pods with schedulingGates wait, gated, until
 * the last gate is removed.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, Timer } from '../util/clock.js';
import { KeyedHeap } from './heap.js';
import { podKey } from './pod-info.js';
import type { ClusterEvent } from './types.js';

export interface QueuedPod {
  pod: Pod;
  key: string;
  /** When it last entered a queue. */
  timestamp: number;
  /** When it first entered the queue (for the end-to-end scheduling duration). */
  initialTimestamp: number;
  attempts: number;
  /** Plugins that rejected it in its last attempt. */
  unschedulablePlugins: Set<string>;
  seq: number;
}

export interface QueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** Which events each plugin cares about. */
  pluginEvents: Map<string, readonly string[]>;
}

const BACKOFF_FLUSH_MS = 1_000;
const UNSCHEDULABLE_FLUSH_MS = 30_000;

const priority = (p: Pod) => p.spec?.priority ?? 0;
// The active heap compares on every push and pop: parse each pod's creationTimestamp once
// (pods from the informer are never mutated, so the object identifies the version).
const createdMs = new WeakMap<Pod, number>();
const created = (p: Pod) => {
  let ms = createdMs.get(p);
  if (ms === undefined) createdMs.set(p, (ms = Date.parse(p.metadata?.creationTimestamp ?? '') || 0));
  return ms;
};

/** Whether a pod update changed anything the scheduler looks at (not status or bookkeeping). */
export function podSpecChanged(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) => JSON.stringify({ spec: p.spec, labels: p.metadata?.labels, annotations: p.metadata?.annotations });
  return strip(a) !== strip(b);
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly pluginEvents: Map<string, readonly string[]>;
  private readonly active = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => {
      const pa = priority(a.pod);
      const pb = priority(b.pod);
      if (pa !== pb) return pa > pb;
      const ca = created(a.pod);
      const cb = created(b.pod);
      if (ca !== cb) return ca < cb;
      return a.seq < b.seq;
    },
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly gated = new Map<string, QueuedPod>();
  /** Popped and being scheduled: key → the latest version of the pod. */
  private readonly inFlight = new Map<string, QueuedPod>();
  private readonly waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private readonly timers: Timer[] = [];
  private seq = 0;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private closed = false;

  constructor(options: QueueOptions) {
    this.clock = options.clock;
    this.initialBackoffMs = options.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = options.maxUnschedulableMs ?? 5 * 60_000;
    this.pluginEvents = options.pluginEvents;
  }

  /** Starts the periodic flushes (backoff every 1 s, long-unschedulable every 30 s). */
  run(): void {
    const every = (ms: number, fn: () => void) => {
      const tick = () => {
        if (this.closed) return;
        fn();
        this.timers.push(this.clock.setTimer(ms, tick));
      };
      this.timers.push(this.clock.setTimer(ms, tick));
    };
    every(BACKOFF_FLUSH_MS, () => this.flushBackoffCompleted());
    every(UNSCHEDULABLE_FLUSH_MS, () => this.flushUnschedulableLeftover());
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get counts(): { active: number; backoff: number; unschedulable: number; gated: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, gated: this.gated.size };
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) return;
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    const existing = this.active.get(key) ?? this.gated.get(key);
    const q = existing ? { ...existing, pod } : this.newQueued(pod);
    this.gated.delete(key);
    if (pod.spec?.schedulingGates?.length) {
      this.active.delete(key);
      this.gated.set(key, q);
    } else this.pushActive(q);
  }

  update(oldPod: Pod, pod: Pod): void {
    const key = podKey(pod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = pod;
      return;
    }
    if (this.gated.has(key)) return this.add(pod);
    const active = this.active.get(key);
    if (active) return this.active.push({ ...active, pod });
    const backing = this.backoff.get(key);
    if (backing) return this.backoff.push({ ...backing, pod });
    const parked = this.unschedulable.get(key);
    if (parked) {
      parked.pod = pod;
      // A changed spec may now fit: retry (after backoff, if still backing off).
      if (podSpecChanged(oldPod, pod)) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
    this.inFlight.delete(key);
  }

  /** Waits for the next pod to schedule; undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.active.pop();
    if (next) return Promise.resolve(this.startFlight(next));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The cycle number of the most recent pop, to pass back to addUnschedulable. */
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** The attempt is over (scheduled or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * A pod that did not fit: parked until a relevant event, unless an event arrived while it
   * was being scheduled (then it only backs off). `cycle` is the queue's cycle at pop.
   */
  addUnschedulable(q: QueuedPod, cycle: number, plugins: Set<string>): void {
    const latest = this.inFlight.get(q.key);
    this.inFlight.delete(q.key);
    // Deleted while in flight: nothing to park.
    if (this.closed || !latest) return;
    const entry: QueuedPod = { ...q, pod: latest.pod, unschedulablePlugins: plugins, timestamp: this.clock.now() };
    if (this.moveRequestCycle >= cycle) this.backoff.push(entry);
    else this.unschedulable.set(q.key, entry);
  }

  /** A pod whose attempt failed with an error (or whose binding failed): retry after backoff. */
  addBackoff(q: QueuedPod): void {
    const latest = this.inFlight.get(q.key);
    this.inFlight.delete(q.key);
    if (this.closed || !latest) return;
    this.backoff.push({ ...q, pod: latest.pod, timestamp: this.clock.now() });
  }

  /** An event happened: move parked pods that a plugin rejecting them cares about. */
  moveOnEvent(event: ClusterEvent): void {
    this.moveRequestCycle = this.schedulingCycle;
    for (const [key, q] of this.unschedulable) {
      if (!this.interested(q, event)) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
  }

  private interested(q: QueuedPod, event: ClusterEvent): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) if (this.pluginEvents.get(plugin)?.includes(event)) return true;
    return false;
  }

  private requeue(q: QueuedPod): void {
    if (this.backoffExpiry(q) > this.clock.now()) this.backoff.push(q);
    else this.pushActive(q);
  }

  private backoffExpiry(q: QueuedPod): number {
    let ms = this.initialBackoffMs;
    for (let i = 1; i < q.attempts && ms < this.maxBackoffMs; i++) ms *= 2;
    return q.timestamp + Math.min(ms, this.maxBackoffMs);
  }

  private flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (let q = this.backoff.peek(); q && this.backoffExpiry(q) <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(q);
    }
  }

  private flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.timestamp < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
  }

  private newQueued(pod: Pod): QueuedPod {
    const now = this.clock.now();
    return { pod, key: podKey(pod), timestamp: now, initialTimestamp: now, attempts: 0, unschedulablePlugins: new Set(), seq: this.seq++ };
  }

  private pushActive(q: QueuedPod): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.startFlight(q));
    else this.active.push(q);
  }

  private startFlight(q: QueuedPod): QueuedPod {
    this.schedulingCycle++;
    const flying = { ...q, attempts: q.attempts + 1 };
    this.inFlight.set(q.key, flying);
    return flying;
  }
}
