/** Small Job and Pod builders for this folder's unit tests. */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { JOB_COMPLETION_INDEX, JOB_TRACKING_FINALIZER } from './job-util.js';

export function testJob(spec: Partial<NonNullable<Job['spec']>> = {}, status: Job['status'] = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, backoffLimit: 6, parallelism: 1, completions: 1, ...spec },
    status,
  };
}

let n = 0;
export function testPod(opts: { phase?: string; uid?: string; index?: number; finalizer?: boolean; deleting?: boolean; exitCode?: number; finishedAt?: string; ready?: boolean } = {}): Pod {
  const uid = opts.uid ?? `pod-${++n}`;
  const pod: Pod = {
    metadata: {
      name: uid,
      namespace: 'default',
      uid,
      creationTimestamp: '2026-01-01T00:00:00Z',
      finalizers: opts.finalizer === false ? [] : [JOB_TRACKING_FINALIZER],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: opts.phase ?? 'Running' },
  };
  if (opts.index !== undefined) pod.metadata!.annotations = { [JOB_COMPLETION_INDEX]: String(opts.index) };
  if (opts.exitCode !== undefined || opts.finishedAt) {
    pod.status!.containerStatuses = [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: opts.exitCode ?? 0, finishedAt: opts.finishedAt ?? '2026-01-01T00:02:00Z' } } }];
  }
  if (opts.ready) pod.status!.conditions = [{ type: 'Ready', status: 'True' }];
  return pod;
}
