/**
 * The DaemonSet's ControllerRevisions through the API (upstream constructHistory,
 * dedupCurHistories, snapshot, cleanupHistory): claims the revisions of its namespace,
 * labels old ones that lack the hash label, finds or creates the revision of the current
 * template (bumping status.collisionCount when another template holds the name), keeps
 * one such revision, renumbers it to the newest, and trims old revisions.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject, matchLabels } from '../../api/labels.js';
import { RESOURCE_TYPES, isAlreadyExists, isNotFound, type Client } from '../../client/index.js';
import { classifyClaims, newControllerRef, withOwnerRef, withoutOwnerRef } from '../replicaset/claim.js';
import { CONTROLLER_REVISION_HASH } from './daemon-pod.js';
import { DEFAULT_REVISION_HISTORY_LIMIT, maxRevision, newRevision, revisionMatches, revisionToKeep, revisionsToTrim } from './revisions.js';

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
  /** The hash pods of the current revision carry. */
  hash: string;
}

type Meta = { metadata: ObjectMeta };

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export class DaemonSetHistory {
  constructor(private readonly client: Client) {}

  /** The DaemonSet's revisions, adopting matching orphans and releasing its own that stopped matching. */
  private async claim(ds: DaemonSet, revisions: ControllerRevision[]): Promise<ControllerRevision[]> {
    const uid = ds.metadata!.uid!;
    const selector = labelSelectorFromObject(ds.spec?.selector);
    const decision = classifyClaims({ uid, deleting: !!ds.metadata?.deletionTimestamp, matches: (l) => matchLabels(selector, l) }, revisions);
    const claimed = [...decision.owned];
    if (decision.adopt.length) {
      // The cache may be stale: adopt only for a DaemonSet that still exists and is not going away.
      const fresh = await this.client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, ds.metadata!.name!, { namespace: ds.metadata!.namespace! });
      if (fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp) {
        const ref = newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata!.name!, uid });
        for (const r of decision.adopt) {
          const next = cloneJson(r) as ControllerRevision & Meta;
          next.metadata.ownerReferences = withOwnerRef(r.metadata?.ownerReferences, ref);
          const updated = await ignoreNotFound(this.client.update<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, next));
          if (updated) claimed.push(updated);
        }
      }
    }
    for (const r of decision.release) {
      const next = cloneJson(r) as ControllerRevision & Meta;
      next.metadata.ownerReferences = withoutOwnerRef(r.metadata?.ownerReferences, uid);
      await ignoreNotFound(this.client.update<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, next));
    }
    return claimed;
  }

  /** Finds or creates the current revision; `pods` are the DaemonSet's, relabelled when duplicates merge. */
  async construct(ds: DaemonSet, inNamespace: ControllerRevision[], pods: () => Pod[]): Promise<History> {
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let r of await this.claim(ds, inNamespace)) {
      if (r.metadata?.labels?.[CONTROLLER_REVISION_HASH] === undefined) {
        // Revisions from before the label existed: their name stands in for the hash.
        const next = cloneJson(r) as ControllerRevision & Meta;
        next.metadata.labels = { ...next.metadata.labels, [CONTROLLER_REVISION_HASH]: next.metadata.name! };
        r = await this.client.update<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, next);
      }
      (revisionMatches(ds, r) ? current : old).push(r);
    }
    const next = maxRevision(old) + 1;
    let cur: ControllerRevision;
    if (current.length === 0) {
      cur = await this.snapshot(ds, next);
    } else {
      cur = await this.dedup(ds, current, pods);
      if (cur.revision < next) {
        cur = await this.client.update<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, { ...cur, revision: next });
      }
    }
    return { current: cur, old, hash: cur.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '' };
  }

  private async dedup(ds: DaemonSet, current: ControllerRevision[], pods: () => Pod[]): Promise<ControllerRevision> {
    const keep = revisionToKeep(current);
    if (current.length === 1) return keep;
    const hash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    for (const pod of pods()) {
      if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) continue;
      await ignoreNotFound(this.client.patch(RESOURCE_TYPES.pods, pod.metadata!.name!, 'merge', { metadata: { labels: { [CONTROLLER_REVISION_HASH]: hash } } }, { namespace: ds.metadata!.namespace! }));
    }
    for (const r of current) {
      if (r.metadata?.name !== keep.metadata?.name) await ignoreNotFound(this.client.delete(RESOURCE_TYPES.controllerrevisions, r.metadata!.name!, { namespace: ds.metadata!.namespace! }));
    }
    return keep;
  }

  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const wanted = newRevision(ds, revision);
    const namespace = ds.metadata!.namespace!;
    try {
      return await this.client.create<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, wanted);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.get<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, wanted.metadata!.name!, { namespace });
      if (revisionMatches(ds, existing)) return existing;
      // Another template holds the name: salt the hash with a higher collision count and retry.
      const fresh = await this.client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, ds.metadata!.name!, { namespace });
      if (!jsonEqual(fresh.status?.collisionCount, ds.status?.collisionCount)) {
        throw new Error(`found a stale collision count of DaemonSet ${namespace}/${ds.metadata!.name}; will retry until it is updated`);
      }
      const status = { ...fresh.status!, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
      await this.client.updateStatus<DaemonSet>(RESOURCE_TYPES.daemonsets, { ...fresh, status });
      throw err;
    }
  }

  /** Deletes old revisions beyond revisionHistoryLimit that no pod (even a finished one) still carries. */
  async cleanup(ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
    const live = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH]).filter((h): h is string => !!h));
    for (const r of revisionsToTrim(old, ds.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT, live)) {
      await ignoreNotFound(this.client.delete(RESOURCE_TYPES.controllerrevisions, r.metadata!.name!, { namespace: ds.metadata!.namespace! }));
    }
  }
}

