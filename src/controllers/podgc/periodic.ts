/**
 * A controller shaped as a periodic pass rather than a per-key queue (upstream's
 * wait.Until loops in podgc and node lifecycle): once the caches synced, `pass` runs,
 * then again every `periodMs` on the given clock, or sooner when `trigger()` is called.
 * Passes never overlap; a failing pass is logged and the next one runs on schedule.
 */
import { setMaxListeners } from 'node:events';
import type { RunningController } from '../../client/index.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

export interface PeriodicOptions {
  name: string;
  periodMs: number;
  clock: Clock;
  logger: Logger;
  waitFor: { waitForCacheSync(signal?: AbortSignal): Promise<boolean> }[];
  pass: () => Promise<void>;
}

export interface PeriodicController extends RunningController {
  /** Runs a pass soon (coalesced with one already asked for). */
  trigger(): void;
}

export function runPeriodic(options: PeriodicOptions): PeriodicController {
  const abort = new AbortController();
  // Every informer waited on listens to it until synced.
  setMaxListeners(0, abort.signal);
  let wake: (() => void) | undefined;
  let triggered = false;
  let timer: Timer | undefined;

  const waitForNext = () =>
    new Promise<void>((resolve) => {
      if (triggered || abort.signal.aborted) return resolve();
      wake = resolve;
      timer = options.clock.setTimer(options.periodMs, () => resolve());
    }).finally(() => {
      timer?.cancel();
      timer = undefined;
      wake = undefined;
    });

  const started = (async () => {
    for (const w of options.waitFor) if (!(await w.waitForCacheSync(abort.signal))) return false;
    return !abort.signal.aborted;
  })();

  const done = (async () => {
    if (!(await started)) return;
    while (!abort.signal.aborted) {
      triggered = false;
      try {
        await options.pass();
      } catch (err) {
        options.logger.warn({ controller: options.name, err: err instanceof Error ? err.message : String(err) }, 'pass failed; retried next period');
      }
      await waitForNext();
    }
  })();

  return {
    started,
    done,
    trigger() {
      triggered = true;
      wake?.();
    },
    async stop() {
      abort.abort();
      wake?.();
      await done;
    },
  };
}
