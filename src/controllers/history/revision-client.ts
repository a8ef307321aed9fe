/**
 * ControllerRevision I/O through the API (upstream realHistory): claim an owner's
 * revisions (its own by controllerRef, orphans matching its selector adopted, its own
 * that stopped matching released), create a revision handling hash collisions, renumber
 * one, delete one.
 *
 * API:
 *   claimRevisions(client, owner, ownerRef info, selector, candidates) → owned revisions
 *   createRevision(client, input, collisionCount) → { revision, collisionCount }
 *     On AlreadyExists with equal data the existing revision is returned; with different data
 *     the collision count is bumped and the name re-hashed, as upstream does, and the caller
 *     must persist the returned collisionCount in the owner's status.
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
}

export async function claimRevisions(client: Client, input: ClaimRevisionsInput): Promise<ControllerRevision[]> {
  const { owner } = input;
  const uid = owner.metadata!.uid!;
  const decision = classifyClaims({ uid, deleting: !!owner.metadata?.deletionTimestamp, matches: (l) => matchLabels(input.selector, l) }, input.candidates);
  const claimed = [...decision.owned];
  const ref = newControllerRef({ apiVersion: input.ownerApiVersion, kind: input.ownerKind, name: owner.metadata!.name!, uid });
  for (const rev of decision.adopt) {
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

/** Creates the revision; on a name collision with different data, bumps the collision count and retries. */
export async function createRevision(
  client: Client,
  input: Omit<NewRevisionInput, 'collisionCount'>,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  let count = collisionCount;
  for (;;) {
    const wanted = newControllerRevision({ ...input, collisionCount: count });
    try {
      const created = await client.create<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, wanted as ControllerRevision & { metadata: Meta });
      return { revision: created, collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision & { metadata: Meta }>(RESOURCE_TYPES.controllerrevisions, wanted.metadata!.name!, { namespace: wanted.metadata!.namespace! });
      const ownerUid = input.owner.metadata?.uid;
      const sameOwner = existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === ownerUid);
      if (sameOwner && revisionsEqual(existing, wanted)) return { revision: existing, collisionCount: count };
      count++;
    }
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
