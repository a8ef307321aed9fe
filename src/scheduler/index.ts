/**
 * The scheduler component: `startScheduler` builds a client and shared informers on the
 * given transport (in-process inside `skiff server`, HTTPS when run on its own) and runs
 * one Scheduler on them, returning health, metrics and stop like the controller manager.
 */
import { Client, InformerFactory, type Transport } from '../client/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { Scheduler } from './scheduler.js';

export { Scheduler, DEFAULT_SCHEDULER_NAME } from './scheduler.js';

export interface RunningScheduler {
  /** True once the caches have synced and the scheduling loop runs. */
  healthy(): boolean;
  /** Prometheus text exposition of the scheduler's metrics. */
  metrics(): Promise<string>;
  readonly scheduler: Scheduler;
  stop(): Promise<void>;
}

export interface StartSchedulerOptions {
  transport: Transport;
  logger: Logger;
  clock?: Clock;
  schedulerName?: string;
}

export function startScheduler(options: StartSchedulerOptions): RunningScheduler {
  const client = new Client(options.transport, { fieldManager: 'kube-scheduler' });
  const informers = new InformerFactory(client, { logger: options.logger, ...(options.clock ? { clock: options.clock } : {}) });
  const scheduler = new Scheduler({ client, informers, logger: options.logger, clock: options.clock, schedulerName: options.schedulerName });
  scheduler.start();
  return {
    scheduler,
    healthy: () => scheduler.healthy(),
    metrics: () => scheduler.metrics.registry.metrics(),
    async stop() {
      await scheduler.stop();
      await informers.stop();
    },
  };
}
