/**
 * The pod a Job creates: its template with the Job as controller, the tracking finalizer
 * (so the pod cannot vanish before the Job counted it) and, for an Indexed Job, the
 * completion index as annotation and label, JOB_COMPLETION_INDEX in every container's
 * environment (read from that annotation), hostname `<job>-<index>` and generateName
 * `<job>-<index>-`.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { newControllerRef } from '../replicaset/claim.js';
import { JOB_COMPLETION_INDEX, JOB_COMPLETION_INDEX_ENV, JOB_TRACKING_FINALIZER } from './job-util.js';

/** Longest generateName prefix the API server keeps whole (63 minus the 5 random characters). */
const MAX_GENERATE_NAME = 58;

function withIndexEnv(c: Container): Container {
  if (c.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return c;
  return {
    ...c,
    env: [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }],
  };
}

/** `<job>-<index>-`, shortening the job name so the index survives. */
export function indexedGenerateName(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  return `${jobName.slice(0, Math.max(0, MAX_GENERATE_NAME - suffix.length))}${suffix}`;
}

/** `annotations` are added on top of the template's (the per-index failure counts). */
export function podForJob(job: Job, index?: number, annotations?: Record<string, string>): Pod {
  const template = job.spec?.template ?? {};
  const name = job.metadata!.name!;
  const meta: ObjectMeta = {
    generateName: `${name}-`,
    namespace: job.metadata!.namespace!,
    ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata!.uid! })],
    finalizers: [...new Set([...(template.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER])],
  };
  if (template.metadata?.labels) meta.labels = { ...template.metadata.labels };
  if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
  if (annotations) meta.annotations = { ...meta.annotations, ...annotations };
  const spec = cloneJson(template.spec!);
  if (index !== undefined) {
    meta.generateName = indexedGenerateName(name, index);
    meta.annotations = { ...meta.annotations, [JOB_COMPLETION_INDEX]: String(index) };
    meta.labels = { ...meta.labels, [JOB_COMPLETION_INDEX]: String(index) };
    spec.containers = spec.containers.map(withIndexEnv);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv);
    spec.hostname = `${name}-${index}`;
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}
