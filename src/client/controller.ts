/**
 * The controller skeleton (controller-runtime style, DESIGN.md §3): once the informers'
 * caches have synced, `workers` loops take keys from the rate-limited queue and
 * reconcile them. Success forgets the key's backoff; an error requeues it with backoff.
 * The queue guarantees one key is never reconciled by two workers at once.
 */
import { setMaxListeners } from 'node:events';
import { createLogger, type Logger } from '../util/logger.js';
import type { WorkQueue } from './work-queue.js';
import { workQueueMetrics, type WorkQueueMetrics } from './workqueue-metrics.js';

export interface ReconcileResult {
  /** Reconcile the key again after this long even though nothing changed (deadlines, TTLs). */
  requeueAfterMs?: number;
}

export interface ControllerOptions {
  name: string;
  queue: WorkQueue<string>;
  reconcile: (key: string) => Promise<void | ReconcileResult>;
  /** Concurrent reconciles of different keys. Default 1. */
  workers?: number;
  /** Caches that must have synced before the first reconcile (informers, an InformerFactory). */
  waitFor?: { waitForSync?(signal?: AbortSignal): Promise<boolean>; waitForCacheSync?(signal?: AbortSignal): Promise<boolean> }[];
  logger?: Logger;
  /** Where the queue's metrics go, under `name` (default: the process's workqueue metrics). */
  metrics?: WorkQueueMetrics;
}

export interface RunningController {
  /** Resolves true when workers started, false if stopped before the caches synced. */
  readonly started: Promise<boolean>;
  /** Resolves when every worker has returned. */
  readonly done: Promise<void>;
  /** Shuts the queue down and waits for reconciles in progress to finish. */
  stop(): Promise<void>;
}

export function runController(options: ControllerOptions): RunningController {
  const { queue, reconcile } = options;
  const logger = (options.logger ?? createLogger('controller')).child({ controller: options.name });
  const abort = new AbortController();
  // Every informer a controller waits on listens on this one signal: many listeners are expected.
  setMaxListeners(0, abort.signal);
  const workers = Math.max(1, options.workers ?? 1);
  queue.instrument((options.metrics ?? workQueueMetrics).stats(options.name));

  const worker = async (): Promise<void> => {
    for (;;) {
      const got = await queue.get();
      if (got.shutdown) return;
      const key = got.item;
      if (abort.signal.aborted) {
        queue.done(key);
        return;
      }
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result && result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        logger.warn({ key, requeues: queue.numRequeues(key), err: err instanceof Error ? err.message : String(err) }, 'reconcile failed; requeued with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };

  const started = (async () => {
    const waits = (options.waitFor ?? []).map((w) => (w.waitForCacheSync ? w.waitForCacheSync(abort.signal) : (w.waitForSync?.(abort.signal) ?? Promise.resolve(true))));
    const synced = (await Promise.all(waits)).every(Boolean);
    if (!synced || abort.signal.aborted) return false;
    logger.info({ workers }, 'caches synced; starting workers');
    return true;
  })();

  const done = started.then(async (ok) => {
    if (!ok) return;
    await Promise.all(Array.from({ length: workers }, () => worker()));
  });

  return {
    started,
    done,
    async stop() {
      abort.abort();
      await queue.shutDownWithDrain();
      await done;
      queue.uninstrument();
    },
  };
}
