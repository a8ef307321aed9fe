/**
 * ControllerRevision I/O through the API (upstream realHistory): claim an owner's
 * revisions (its own by controllerRef, orphans matching its selector adopted, its own
 * that stopped matching released), create a revision handling hash collisions, renumber
 * one, delete one.
 *
 * API:
 *   claimRevisions(client, { owner, ownerRef info, selector, candidates, canAdopt? }) → owned revisions
 *     `canAdopt` is asked once before any adoption (upstream RecheckDeletionTimestamp).
 *   tryCreateRevision(client, input, collisionCount, options?) → { revision } | { collided: true }
 *     One attempt: on AlreadyExists with equal data the existing revision is returned; with
 *     different data the caller learns that the name collided (the DaemonSet then bumps its
 *     status.collisionCount and retries on its next sync, as upstream's snapshot does).
 *   createRevision(client, input, collisionCount) → { revision, collisionCount }
 *     Retries tryCreateRevision bumping the collision count, as upstream realHistory does;
 *     the caller must persist the returned collisionCount in the owner's status.
 *   updateRevisionNumber(client, rev, n), deleteRevision(client, rev)
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { matchLabels, type LabelSelector } from '../../api/labels.js';
import { RESOURCE_TYPES, isAlreadyExists, isNotFound, type Client } from '../../client/index.js';
import { classifyClaims, newControllerRef, withOwnerRef, withoutOwnerRef } from '../replicaset/claim.js';
import { newControllerRevision, revisionsEqual, type NewRevisionInput, type RevisionOwner } from './history.js';

type Meta = ObjectMeta & { name: string; namespace: string };

export interface ClaimRevisionsInput {
  owner: RevisionOwner & { metadata?: { deletionTimestamp?: string } };
  ownerApiVersion: string;
  ownerKind: string;
  selector: LabelSelector;
  /** The revisions of the owner's namespace (from an informer). */
  candidates: ControllerRevision[];
  /** Asked once before adopting orphans, e.g. to re-read the owner uncached and refuse when it is gone or going. */
  canAdopt?: () => Promise<boolean>;
}

export async function claimRevisions(client: Client, input: ClaimRevisionsInput): Promise<ControllerRevision[]> {
  const { owner } = input;
  const uid = owner.metadata!.uid!;
  const decision = classifyClaims({ uid, deleting: !!owner.metadata?.deletionTimestamp, matches: (l) => matchLabels(input.selector, l) }, input.candidates);
  const claimed = [...decision.owned];
  const ref = newControllerRef({ apiVersion: input.ownerApiVersion, kind: input.ownerKind, name: owner.metadata!.name!, uid });
  // The cache may be stale: adopt only when the owner confirms it still may.
  const adopt = decision.adopt.length && input.canAdopt && !(await input.canAdopt()) ? [] : decision.adopt;
  for (const rev of adopt) {
    const next = cloneJson(rev) as ControllerRevision & { metadata: Meta };
    next.metadata.ownerReferences = withOwnerRef(rev.metadata?.ownerReferences, ref);
    try {
      claimed.push(await client.update<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, next));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (const rev of decision.release) {
    const next = cloneJson(rev) as ControllerRevision & { metadata: Meta };
    next.metadata.ownerReferences = withoutOwnerRef(rev.metadata?.ownerReferences, uid);
    try {
      await client.update(RESOURCE_TYPES.controllerrevisions, next);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return claimed;
}

export interface TryCreateOptions {
  /**
   * Whether an existing revision with equal data must be the owner's to be returned. The
   * StatefulSet requires it; the DaemonSet, as upstream, takes any equal revision and
   * claims it on a later sync.
   */
  requireSameOwner?: boolean;
}

/** One attempt at creating the revision named for `collisionCount`. */
export async function tryCreateRevision(
  client: Client,
  input: Omit<NewRevisionInput, 'collisionCount'>,
  collisionCount: number | undefined,
  options: TryCreateOptions = {},
): Promise<{ revision: ControllerRevision; collided?: undefined } | { revision?: undefined; collided: true }> {
  const wanted = newControllerRevision({ ...input, collisionCount });
  try {
    return { revision: await client.create<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, wanted as ControllerRevision & { metadata: Meta }) };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await client.get<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, wanted.metadata!.name!, { namespace: wanted.metadata!.namespace! });
  const ownerUid = input.owner.metadata?.uid;
  const ownerOk = !(options.requireSameOwner ?? true) || !!existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === ownerUid);
  return ownerOk && revisionsEqual(existing, wanted) ? { revision: existing } : { collided: true };
}

/** Creates the revision; on a name collision with different data, bumps the collision count and retries. */
export async function createRevision(
  client: Client,
  input: Omit<NewRevisionInput, 'collisionCount'>,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const attempt = await tryCreateRevision(client, input, count);
    if (attempt.revision) return { revision: attempt.revision, collisionCount: count };
  }
}

export async function updateRevisionNumber(client: Client, rev: ControllerRevision, revision: number): Promise<ControllerRevision> {
  if (rev.revision === revision) return rev;
  const next = { ...cloneJson(rev), revision } as ControllerRevision & { metadata: Meta };
  return client.update<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, next);
}

export async function deleteRevision(client: Client, rev: ControllerRevision): Promise<void> {
  try {
    await client.delete(RESOURCE_TYPES.controllerrevisions, rev.metadata!.name!, { namespace: rev.metadata!.namespace! });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
