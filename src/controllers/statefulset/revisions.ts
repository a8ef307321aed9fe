/**
 * A StatefulSet's revision data (upstream stateful_set_utils.go getPatch / ApplyRevision):
 * the pod template as the strategic merge patch `{"spec":{"template":{…,"$patch":"replace"}}}`,
 * which is what `kubectl rollout undo statefulset` applies, and the template back out of it.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { cloneJson } from '../../api/object.js';
import { podTemplateRevisionData } from '../history/history.js';

/** Keys sorted at every level: kubectl finds the revision to roll back to by comparing bytes. */
export function revisionData(set: StatefulSet): Record<string, unknown> {
  return podTemplateRevisionData(set.spec?.template);
}

/** The pod template a revision records. */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined;
  const template = cloneJson(data?.spec?.template ?? {}) as PodTemplateSpec & { $patch?: string };
  delete template.$patch;
  return template;
}
