/**
 * A DaemonSet's ControllerRevisions, the pure part (upstream update.go getPatch, Match,
 * snapshot, cleanupHistory), built on the shared history module: a revision records the
 * pod template as the replacing patch `kubectl rollout undo` applies, is named
 * `<daemonset>-<hash>` with the hash also in its `controller-revision-hash` label (the
 * label pods of that revision carry), and old revisions whose hash no pod carries are
 * trimmed to revisionHistoryLimit.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL, DEFAULT_REVISION_HISTORY_LIMIT, podTemplateRevisionData, revisionsToTrim, type NewRevisionInput } from '../history/index.js';

/** The revision data for the DaemonSet's current template (upstream getPatch). */
export const revisionData = (ds: DaemonSet): Record<string, unknown> => podTemplateRevisionData(ds.spec?.template);

/** What the shared module needs to build the DaemonSet's revision numbered `revision` (upstream snapshot). */
export function revisionInput(ds: DaemonSet, revision: number): Omit<NewRevisionInput, 'collisionCount'> {
  return { owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', data: revisionData(ds), revision, labels: ds.spec?.template?.metadata?.labels ?? {} };
}

/** The hash label a revision or pod carries ('' when none). */
export const hashOf = (obj: { metadata?: { labels?: Record<string, string> } }): string => obj.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/**
 * Old revisions to delete, oldest first: all old revisions, live or not, count toward
 * revisionHistoryLimit, but one whose hash a pod (even a finished one) still carries is
 * never deleted (upstream cleanupHistory).
 */
export function oldRevisionsToTrim(ds: DaemonSet, old: readonly ControllerRevision[], pods: readonly Pod[]): ControllerRevision[] {
  const liveHashes = new Set(pods.map(hashOf).filter((h) => h !== ''));
  const live = new Set(old.filter((r) => liveHashes.has(hashOf(r))).map((r) => r.metadata?.name ?? ''));
  return revisionsToTrim(old, live, ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT, { inUseCountsTowardLimit: true });
}
