/**
 * A DaemonSet's ControllerRevisions, the pure part (upstream update.go constructHistory,
 * snapshot, cleanupHistory): a revision stores the pod template as the strategic merge
 * patch `{"spec":{"template":{"$patch":"replace",…}}}` that `kubectl rollout undo`
 * applies, is named `<daemonset>-<hash>` with the hash also in its
 * `controller-revision-hash` label (the label pods of that revision carry), and old
 * revisions beyond revisionHistoryLimit are trimmed oldest first unless pods still use them.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import { jsonEqual } from '../../api/object.js';
import { computeHash } from '../deployment/deployment-util.js';
import { newControllerRef } from '../replicaset/claim.js';
import { CONTROLLER_REVISION_HASH } from './daemon-pod.js';

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** JSON with object keys sorted at every level, as Go writes a decoded map: kubectl compares the bytes. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortedKeys(v);
    }
    return out;
  }
  return value;
}

/** The revision data for the DaemonSet's current template (upstream getPatch). */
export function revisionData(ds: DaemonSet): Record<string, unknown> {
  return sortedKeys({ spec: { template: { ...ds.spec?.template, $patch: 'replace' } } }) as Record<string, unknown>;
}

/** Whether the revision records the DaemonSet's current template (upstream Match). */
export function revisionMatches(ds: DaemonSet, revision: ControllerRevision): boolean {
  return jsonEqual(revision.data, revisionData(ds));
}

/** The template hash, salted with the collision count once names have collided. */
export function templateHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/** The revision to create for the DaemonSet's template, numbered `revision`. */
export function newRevision(ds: DaemonSet, revision: number): ControllerRevision {
  const hash = templateHash(ds);
  const metadata: ControllerRevision['metadata'] = {
    name: `${ds.metadata!.name}-${hash}`,
    namespace: ds.metadata!.namespace!,
    labels: { ...ds.spec?.template?.metadata?.labels, [CONTROLLER_REVISION_HASH]: hash },
    ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata!.name!, uid: ds.metadata!.uid! })],
  };
  // Annotations travel along (kubernetes.io/change-cause shows in `kubectl rollout history`).
  if (ds.metadata?.annotations) metadata.annotations = { ...ds.metadata.annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data: revisionData(ds), revision };
}

export const maxRevision = (revisions: readonly ControllerRevision[]): number => Math.max(0, ...revisions.map((r) => r.revision));

/** Of several revisions equal to the template, the one to keep: the highest numbered (last of equals). */
export function revisionToKeep(current: readonly ControllerRevision[]): ControllerRevision {
  let keep = current[0]!;
  for (const r of current) if (r.revision >= keep.revision) keep = r;
  return keep;
}

/**
 * Old revisions to delete so at most `limit` remain, oldest first, never one whose hash
 * a pod still carries (upstream cleanupHistory).
 */
export function revisionsToTrim(old: readonly ControllerRevision[], limit: number, liveHashes: ReadonlySet<string>): ControllerRevision[] {
  let excess = old.length - limit;
  if (excess <= 0) return [];
  const out: ControllerRevision[] = [];
  for (const r of [...old].sort((a, b) => a.revision - b.revision)) {
    if (excess <= 0) break;
    if (liveHashes.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '')) continue;
    out.push(r);
    excess--;
  }
  return out;
}
