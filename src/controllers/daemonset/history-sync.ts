/**
 * The DaemonSet's ControllerRevisions through the API (upstream update.go constructHistory,
 * dedupCurHistories, snapshot, cleanupHistory), using the shared history module for
 * claiming, creating, renumbering and deleting: labels old revisions that lack the hash
 * label, finds or creates the revision of the current template (bumping
 * status.collisionCount when another template holds the name), keeps one such revision,
 * renumbers it to the newest, and trims old revisions.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/labels.js';
import { RESOURCE_TYPES, isNotFound, type Client } from '../../client/index.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  claimRevisions,
  deleteRevision,
  equalRevisions,
  newestRevision,
  nextRevisionNumber,
  tryCreateRevision,
  updateRevisionNumber,
} from '../history/index.js';
import { hashOf, oldRevisionsToTrim, revisionData, revisionInput } from './revisions.js';

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
  /** The hash pods of the current revision carry. */
  hash: string;
}

type WithMeta = ControllerRevision & { metadata: ObjectMeta & { name: string; namespace: string } };

export class DaemonSetHistory {
  constructor(private readonly client: Client) {}

  /** The DaemonSet's revisions, adopting matching orphans and releasing its own that stopped matching. */
  private claim(ds: DaemonSet, inNamespace: ControllerRevision[]): Promise<ControllerRevision[]> {
    const { name, namespace, uid } = ds.metadata!;
    return claimRevisions(this.client, {
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector: labelSelectorFromObject(ds.spec?.selector),
      candidates: inNamespace,
      // Only a DaemonSet that still exists and is not going away adopts.
      canAdopt: async () => {
        const fresh = await this.client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, name!, { namespace: namespace! });
        return fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp;
      },
    });
  }

  /** Finds or creates the current revision; `pods` are the DaemonSet's, relabelled when duplicates merge. */
  async construct(ds: DaemonSet, inNamespace: ControllerRevision[], pods: () => Pod[]): Promise<History> {
    const owned: ControllerRevision[] = [];
    for (const r of await this.claim(ds, inNamespace)) {
      if (r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== undefined) {
        owned.push(r);
        continue;
      }
      // Revisions from before the label existed: their name stands in for the hash.
      const next = cloneJson(r) as WithMeta;
      next.metadata.labels = { ...next.metadata.labels, [CONTROLLER_REVISION_HASH_LABEL]: next.metadata.name };
      owned.push(await this.client.update<WithMeta>(RESOURCE_TYPES.controllerrevisions, next));
    }
    const current = equalRevisions(owned, revisionData(ds));
    const old = owned.filter((r) => !current.includes(r));
    const next = nextRevisionNumber(old);
    let cur: ControllerRevision;
    if (current.length === 0) {
      cur = await this.snapshot(ds, next);
    } else {
      cur = await this.dedup(ds, current, pods);
      // Rolling back to an older template makes its revision the newest; never lower a number.
      if (cur.revision < next) cur = await updateRevisionNumber(this.client, cur, next);
    }
    return { current: cur, old, hash: hashOf(cur) };
  }

  /** Keeps the newest of several revisions of the current template, moving pods onto its hash first. */
  private async dedup(ds: DaemonSet, current: ControllerRevision[], pods: () => Pod[]): Promise<ControllerRevision> {
    const keep = newestRevision(current)!;
    if (current.length === 1) return keep;
    const hash = hashOf(keep);
    for (const pod of pods()) {
      if (hashOf(pod) === hash) continue;
      try {
        await this.client.patch(RESOURCE_TYPES.pods, pod.metadata!.name!, 'merge', { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash } } }, { namespace: ds.metadata!.namespace! });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const r of current) if (r !== keep) await deleteRevision(this.client, r);
    return keep;
  }

  /**
   * Creates the revision of the current template. When another template holds its name,
   * bumps status.collisionCount (unless the count used was stale) and fails, so the next
   * sync retries under a new name, as upstream does.
   */
  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const attempt = await tryCreateRevision(this.client, revisionInput(ds, revision), ds.status?.collisionCount, { requireSameOwner: false });
    if (attempt.revision) return attempt.revision;
    const { name, namespace } = ds.metadata!;
    const fresh = await this.client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, name!, { namespace: namespace! });
    if (!jsonEqual(fresh.status?.collisionCount, ds.status?.collisionCount)) {
      throw new Error(`found a stale collision count of DaemonSet ${namespace}/${name}; will retry until it is updated`);
    }
    const collisionCount = (fresh.status?.collisionCount ?? 0) + 1;
    await this.client.updateStatus<DaemonSet>(RESOURCE_TYPES.daemonsets, { ...fresh, status: { ...fresh.status!, collisionCount } });
    throw new Error(`hash collision creating a revision of DaemonSet ${namespace}/${name}: bumped collisionCount to ${collisionCount}`);
  }

  /** Deletes old revisions beyond revisionHistoryLimit that no pod (even a finished one) still carries. */
  async cleanup(ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
    for (const r of oldRevisionsToTrim(ds, old, pods)) await deleteRevision(this.client, r);
  }
}
