/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a
 * Job ttlSecondsAfterFinished after it completed or failed, re-reading it from the API
 * first (the cached TTL may be stale) and deleting with Foreground propagation and a UID
 * precondition, as upstream does, so its pods go first and a recreated namesake is safe.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, WorkQueue, isNotFound, objectKey, runController, splitKey, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { timeLeftMs } from './ttl.js';

export interface TtlAfterFinishedControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  workers?: number;
}

export function startTtlAfterFinishedController(options: TtlAfterFinishedControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const queue = new WorkQueue<string>();
  const jobInformer = informers.informerFor<Job>(RESOURCE_TYPES.jobs);
  const jobs = jobInformer.lister();
  const consider = (job: Job) => {
    if (timeLeftMs(job, now().getTime()) !== undefined) queue.add(objectKey(job));
  };
  jobInformer.addEventHandler({ onAdd: consider, onUpdate: (_old, job) => consider(job) });

  return runController({
    name: 'ttl-after-finished',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const cached = jobs.get(key);
      if (!cached) return undefined;
      const left = timeLeftMs(cached, now().getTime());
      if (left === undefined) return undefined;
      if (left > 0) return { requeueAfterMs: left };
      const { namespace, name } = splitKey(key);
      let fresh: Job;
      try {
        fresh = await client.get<Job>(RESOURCE_TYPES.jobs, name, { namespace });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const freshLeft = timeLeftMs(fresh, now().getTime());
      if (freshLeft === undefined) return undefined;
      if (freshLeft > 0) return { requeueAfterMs: freshLeft };
      try {
        await client.delete(RESOURCE_TYPES.jobs, name, { namespace, propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata!.uid! } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return undefined;
    },
  });
}
