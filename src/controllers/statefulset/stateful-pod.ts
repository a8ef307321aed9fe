/**
 * A StatefulSet's pods and claims, the pure part (upstream stateful_set_utils.go): each
 * pod is `<set>-<ordinal>` with a stable identity (hostname = pod name, subdomain =
 * serviceName, the pod-name and pod-index labels) and stable storage (one PVC per
 * volumeClaimTemplate named `<template>-<set>-<ordinal>`, mounted in place of the
 * template's volume of that name). The pod's `controller-revision-hash` label names the
 * ControllerRevision (its full name) the pod was made from.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision-hash.js';
import { newControllerRef } from '../replicaset/claim.js';
import { isPodReady } from '../replicaset/pod-util.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export { CONTROLLER_REVISION_HASH_LABEL };

const ORDINAL = /^(.*)-(\d+)$/;

/** The parent name and ordinal of a pod name, or ordinal -1 when the name has none. */
export function parentAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = ORDINAL.exec(podName);
  return m ? { parent: m[1]!, ordinal: Number(m[2]) } : { parent: '', ordinal: -1 };
}

export const podOrdinal = (pod: Pod): number => parentAndOrdinal(pod.metadata?.name ?? '').ordinal;

/** Whether the pod's name says it belongs to the set (upstream isMemberOf). */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => parentAndOrdinal(pod.metadata?.name ?? '').parent === set.metadata?.name;

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata!.name}-${ordinal}`;

export const claimName = (templateName: string, set: StatefulSet, ordinal: number): string => `${templateName}-${set.metadata!.name}-${ordinal}`;

/** The first ordinal (spec.ordinals.start) and the replica count. */
export function ordinalRange(set: StatefulSet): { start: number; end: number } {
  const start = set.spec?.ordinals?.start ?? 0;
  return { start, end: start + (set.spec?.replicas ?? 1) };
}

export const setControllerRef = (set: StatefulSet): OwnerReference =>
  newControllerRef({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata!.name!, uid: set.metadata!.uid! });

/** The PVCs ordinal's pod needs, by name (upstream getPersistentVolumeClaims). */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const { status: _status, ...rest } = cloneJson(t);
    const claim: PersistentVolumeClaim = { ...rest, apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
    claim.metadata = {
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      name: claimName(t.metadata?.name ?? '', set, ordinal),
      namespace: set.metadata!.namespace!,
      labels: { ...t.metadata?.labels, ...selectorLabels },
    };
    return claim;
  });
}

/** The template the revision records ({spec:{template:{…,$patch:'replace'}}}, see revisions.ts). */
export function podFromTemplate(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revisionName: string): Pod {
  const name = podName(set, ordinal);
  const spec = cloneJson(template.spec ?? { containers: [] });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata!.namespace!,
      labels: { ...template.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName },
      ownerReferences: [setControllerRef(set)],
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
    },
    spec,
  };
  pod.spec!.hostname = name;
  if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
  else delete pod.spec!.subdomain;
  // Claims replace any template volume of the same name.
  const claims = claimsFor(set, ordinal);
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claimVolumes: Volume[] = templates.map((t, i) => ({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claims[i]!.metadata!.name! } }));
  const names = new Set(claimVolumes.map((v) => v.name));
  const rest = (spec.volumes ?? []).filter((v) => !names.has(v.name));
  if (claimVolumes.length || spec.volumes) pod.spec!.volumes = [...claimVolumes, ...rest];
  return pod;
}

export const isTerminating = (pod: Pod): boolean => !!pod.metadata?.deletionTimestamp;
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const podRevision = (pod: Pod): string => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/** Whether the pod carries the identity its name and the set ask for (upstream identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const name = pod.metadata?.name ?? '';
  const { ordinal } = parentAndOrdinal(name);
  return (
    isMemberOf(set, pod) &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === name &&
    pod.metadata?.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** The pod with its identity labels restored (hostname/subdomain are immutable on a live pod). */
export function withIdentity(pod: Pod): Pod {
  const next = cloneJson(pod);
  const name = next.metadata!.name!;
  next.metadata!.labels = { ...next.metadata!.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(parentAndOrdinal(name).ordinal) };
  return next;
}
