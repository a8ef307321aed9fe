/**
 * Leader election on a Lease (client-go leaderelection, upstream timings: 15 s lease,
 * 10 s renew deadline, 2 s retry). A candidate takes the Lease only when it is free or
 * its holder has not renewed it for a whole lease duration *as observed locally* (no
 * trust in other machines' clocks); the leader renews every retry period and steps down
 * if it cannot renew within the renew deadline — before anyone else may take over.
 * Writes are fenced by resourceVersion (lease-lock.ts), so two candidates can never
 * both acquire. On stop the leader releases the Lease so a successor need not wait.
 */
import { isApiError } from '../api/errors.js';
import { realClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import type { Client } from './client.js';
import { LeaseLock, type LeaderElectionRecord } from './lease-lock.js';

export const LEASE_DURATION_MS = 15_000;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_PERIOD_MS = 2_000;
/** client-go's JitterFactor for acquire attempts. */
const ACQUIRE_JITTER = 1.2;

export interface LeaderElectionConfig {
  client: Client;
  /** The Lease: e.g. kube-system/kube-controller-manager. */
  namespace: string;
  name: string;
  /** Unique per candidate (hostname + random suffix upstream). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the Lease on stop (default true). */
  releaseOnCancel?: boolean;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once leadership ends (lost or stopped), after the Lease is released. */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
}

/** The observation a candidate keeps: the last record seen and when it was first seen locally. */
export interface Observation {
  record: LeaderElectionRecord | undefined;
  /** Local time the record last changed; the lease's expiry counts from here. */
  time: number;
}

/** Whether the observed lease is still valid at `now` (client-go isLeaseValid). */
export function leaseValid(observed: Observation, now: number): boolean {
  return observed.record !== undefined && observed.time + observed.record.leaseDurationSeconds * 1000 > now;
}

/**
 * What a candidate may do given the freshly read record (undefined: no Lease exists):
 * create it, renew its own, take over a free or expired one, or wait.
 */
export function decide(observed: Observation, current: LeaderElectionRecord | undefined, identity: string, now: number): 'create' | 'renew' | 'takeover' | 'wait' {
  if (!current) return 'create';
  if (current.holderIdentity === identity) return 'renew';
  if (current.holderIdentity !== '' && leaseValid(observed, now)) return 'wait';
  return 'takeover';
}

/** The record to write for a decision. */
export function nextRecord(decision: 'create' | 'renew' | 'takeover', current: LeaderElectionRecord | undefined, identity: string, now: number, leaseDurationMs: number): LeaderElectionRecord {
  const record: LeaderElectionRecord = {
    holderIdentity: identity,
    leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
    acquireTime: now,
    renewTime: now,
    leaderTransitions: 0,
  };
  if (decision === 'renew' && current) {
    record.acquireTime = current.acquireTime;
    record.leaderTransitions = current.leaderTransitions;
  } else if (decision === 'takeover' && current) {
    record.leaderTransitions = current.leaderTransitions + 1;
  }
  return record;
}

export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopController = new AbortController();
  private observed: Observation = { record: undefined, time: 0 };
  private observedRaw = '';
  private leading = false;
  private reportedLeader = '';
  private running: Promise<void> | undefined;

  constructor(private readonly config: LeaderElectionConfig) {
    this.lock = new LeaseLock(config.client, config.namespace, config.name, config.identity);
    this.clock = config.clock ?? realClock;
    this.logger = (config.logger ?? createLogger('leader-election')).child({ lease: `${config.namespace}/${config.name}`, identity: config.identity });
    this.random = config.random ?? Math.random;
    this.leaseDurationMs = config.leaseDurationMs ?? LEASE_DURATION_MS;
    this.renewDeadlineMs = config.renewDeadlineMs ?? RENEW_DEADLINE_MS;
    this.retryPeriodMs = config.retryPeriodMs ?? RETRY_PERIOD_MS;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leader election: the lease duration must exceed the renew deadline');
    if (this.renewDeadlineMs <= ACQUIRE_JITTER * this.retryPeriodMs) throw new Error('leader election: the renew deadline must exceed retryPeriod × 1.2');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this candidate last observed ('' when none). */
  getLeader(): string {
    return this.observed.record?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leading, leads until leadership is lost or `stop()` is called, then
   * returns. Run it again to campaign again.
   */
  run(): Promise<void> {
    this.running ??= this.campaign().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Ends the campaign or leadership (releasing the Lease) and waits for run() to return. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await this.clock.sleep(this.retryPeriodMs * (1 + this.random() * ACQUIRE_JITTER), signal);
    }
    if (signal.aborted) return;
    this.leading = true;
    this.logger.info({}, 'became leader');
    const leadership = new AbortController();
    void Promise.resolve()
      .then(() => this.config.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'onStartedLeading failed'));
    await this.renewLoop(signal);
    this.leading = false;
    leadership.abort();
    if (signal.aborted && this.config.releaseOnCancel !== false) await this.release();
    this.logger.info({}, signal.aborted ? 'stopped leading' : 'lost leadership');
    try {
      this.config.onStoppedLeading?.();
    } catch (err) {
      this.logger.error({ err: String(err) }, 'onStoppedLeading failed');
    }
  }

  /** Renews every retry period; returns when stopped or when a renewal missed its deadline. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted) {
        renewed = await this.beforeDeadline(this.tryAcquireOrRenew(), deadline);
        // Someone else holds it now: stop acting at once rather than at the deadline.
        if (renewed || this.getLeader() !== this.config.identity) break;
        const left = deadline - this.clock.now();
        if (left <= 0) break;
        await this.clock.sleep(Math.min(this.retryPeriodMs, left), signal);
        if (this.clock.now() >= deadline) break;
      }
      if (!renewed && !signal.aborted) {
        this.logger.warn({ renewDeadlineMs: this.renewDeadlineMs }, 'failed to renew the lease in time');
        return;
      }
    }
  }

  /** The attempt's result, or false if the deadline passes first (the attempt is abandoned). */
  private beforeDeadline(attempt: Promise<boolean>, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(deadline - this.clock.now(), () => resolve(false));
      void attempt.then((ok) => {
        timer.cancel();
        resolve(ok);
      });
    });
  }

  /** One attempt (client-go tryAcquireOrRenew); true when this candidate holds the Lease after it. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const identity = this.config.identity;
    const now = this.clock.now();
    // Fast path: the leader renews over the Lease it last wrote, without reading first.
    if (this.leading && this.observed.record?.holderIdentity === identity && leaseValid(this.observed, now)) {
      const record = nextRecord('renew', this.observed.record, identity, now, this.leaseDurationMs);
      try {
        await this.lock.update(record);
        this.observe(record);
        return true;
      } catch (err) {
        this.logger.debug({ err: String(err) }, 'optimistic renew failed; reading the lease');
      }
    }
    let current: LeaderElectionRecord | undefined;
    try {
      const got = await this.lock.get();
      current = got.record;
      if (got.raw !== this.observedRaw) {
        this.observedRaw = got.raw;
        this.observe(got.record);
      }
    } catch (err) {
      if (!(isApiError(err) && err.code === 404)) {
        this.logger.warn({ err: String(err) }, 'error reading the lease');
        return false;
      }
    }
    const decision = decide(this.observed, current, identity, this.clock.now());
    if (decision === 'wait') return false;
    const record = nextRecord(decision, current, identity, this.clock.now(), this.leaseDurationMs);
    try {
      if (decision === 'create') await this.lock.create(record);
      else await this.lock.update(record);
    } catch (err) {
      this.logger.debug({ err: String(err), decision }, 'lease write lost');
      return false;
    }
    this.observe(record);
    return true;
  }

  private async release(): Promise<void> {
    if (this.observed.record?.holderIdentity !== this.config.identity) return;
    const now = this.clock.now();
    const record: LeaderElectionRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaderTransitions: this.observed.record.leaderTransitions };
    try {
      await this.lock.update(record);
      this.observe(record);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'failed to release the lease');
    }
  }

  private observe(record: LeaderElectionRecord): void {
    this.observed = { record, time: this.clock.now() };
    if (record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = record.holderIdentity;
      if (record.holderIdentity) {
        try {
          this.config.onNewLeader?.(record.holderIdentity);
        } catch (err) {
          this.logger.error({ err: String(err) }, 'onNewLeader failed');
        }
      }
    }
  }
}
