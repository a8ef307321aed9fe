/**
 * Pure ControllerRevision history logic shared by the StatefulSet and DaemonSet
 * controllers (upstream pkg/controller/history): build a revision for an owner's data,
 * order revisions, find the ones equal to some data, number the next one, and pick the
 * old ones to trim to revisionHistoryLimit without touching revisions still in use.
 *
 * API:
 *   newControllerRevision({ owner, ownerApiVersion, ownerKind, data, revision, collisionCount, labels }) → ControllerRevision
 *   sortRevisions(revs)                       oldest first (revision number, then creation time, then name)
 *   nextRevisionNumber(revs)                  max revision + 1
 *   equalRevisions(revs, data)                revisions whose data equals `data`
 *   newestRevision(revs)                      the one to keep of several equal revisions (last by sortRevisions)
 *   podTemplateRevisionData(template)         `{spec:{template:{…,$patch:'replace'}}}` with keys sorted
 *   revisionsToTrim(revs, inUse, limit, opts) oldest revisions beyond `limit`, skipping names in `inUse`
 *   DEFAULT_REVISION_HISTORY_LIMIT            10
 * I/O (create with collision handling, claim, update, delete) is in revision-client.ts.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../../api/object.js';
import { newControllerRef } from '../replicaset/claim.js';
import { CONTROLLER_REVISION_HASH_LABEL, canonicalJson, hashRevisionData, revisionName } from './revision-hash.js';

export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export interface RevisionOwner {
  metadata?: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
}

export interface NewRevisionInput {
  owner: RevisionOwner;
  ownerApiVersion: string;
  ownerKind: string;
  /** The serialized patch the revision records (e.g. `{spec:{template:{…,$patch:'replace'}}}`). */
  data: Record<string, unknown>;
  revision: number;
  collisionCount?: number;
  /** Labels to copy onto the revision (the owner's pod template labels, as upstream). */
  labels?: Record<string, string>;
}

/** A revision owned by `owner`, named and labelled with the hash of its data. */
export function newControllerRevision(input: NewRevisionInput): ControllerRevision {
  const { owner } = input;
  const hash = hashRevisionData(input.data, input.collisionCount);
  const metadata: NonNullable<ControllerRevision['metadata']> = {
    name: revisionName(owner.metadata!.name!, hash),
    namespace: owner.metadata!.namespace!,
    labels: { ...input.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
    ownerReferences: [newControllerRef({ apiVersion: input.ownerApiVersion, kind: input.ownerKind, name: owner.metadata!.name!, uid: owner.metadata!.uid! })],
  };
  // kubernetes.io/change-cause travels along so `kubectl rollout history` can show it.
  if (owner.metadata?.annotations) metadata.annotations = { ...owner.metadata.annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data: input.data, revision: input.revision };
}

/** The hash a revision carries (its label, else its name's suffix). */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? rev.metadata?.name?.split('-').pop() ?? '';
}

/** Oldest first: by revision number, then creation time, then name (upstream byRevision). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

export function nextRevisionNumber(revs: readonly ControllerRevision[]): number {
  return Math.max(0, ...revs.map((r) => r.revision)) + 1;
}

/** Revisions recording exactly `data` (upstream FindEqualRevisions compares the bytes). */
export function equalRevisions(revs: readonly ControllerRevision[], data: unknown): ControllerRevision[] {
  const wanted = canonicalJson(data);
  return revs.filter((r) => canonicalJson(r.data) === wanted);
}

/**
 * The revision data recording a pod template: the strategic merge patch that
 * `kubectl rollout undo` applies. Keys are sorted at every level, as Go writes a decoded
 * map, because kubectl finds the revision matching a template by comparing the bytes.
 */
export function podTemplateRevisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return JSON.parse(canonicalJson({ spec: { template: { ...template, $patch: 'replace' } } })) as Record<string, unknown>;
}

/** Of several revisions recording the same data, the one to keep: the newest (highest numbered). */
export function newestRevision(revs: readonly ControllerRevision[]): ControllerRevision | undefined {
  return sortRevisions(revs).at(-1);
}

/** Whether two revisions record the same data. */
export const revisionsEqual = (a: ControllerRevision, b: ControllerRevision): boolean => jsonEqual(JSON.parse(canonicalJson(a.data)), JSON.parse(canonicalJson(b.data)));

export interface TrimOptions {
  /**
   * Whether revisions in use count toward `limit` (they are still never trimmed). The
   * StatefulSet keeps `limit` revisions besides those in use (upstream truncateHistory);
   * the DaemonSet keeps `limit` old revisions in all, live or not (upstream cleanupHistory).
   */
  inUseCountsTowardLimit?: boolean;
}

/**
 * The revisions to delete, oldest first, so that at most `limit` revisions remain
 * (not counting those in use unless `inUseCountsTowardLimit`); revisions named in `inUse`
 * (current, update, or any live pod's) are never trimmed.
 */
export function revisionsToTrim(revs: readonly ControllerRevision[], inUse: ReadonlySet<string>, limit: number, options: TrimOptions = {}): ControllerRevision[] {
  const candidates = sortRevisions(revs).filter((r) => !inUse.has(r.metadata?.name ?? ''));
  const counted = options.inUseCountsTowardLimit ? revs.length : candidates.length;
  const excess = Math.min(candidates.length, counted - Math.max(0, limit));
  return excess > 0 ? candidates.slice(0, excess) : [];
}
