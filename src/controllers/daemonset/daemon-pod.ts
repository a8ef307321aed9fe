/**
 * What a DaemonSet pod looks like (upstream pkg/controller/daemon/util), pure: the
 * tolerations every daemon pod gets, the required node affinity that pins a pod to its
 * node (the scheduler then binds it there), the node a pod is meant for, which pods are
 * of the current revision, and the pod the controller creates for a node.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision-hash.js';
import { newControllerRef } from '../replicaset/claim.js';

/** Older clusters marked pods with the template generation instead of a hash; still honoured. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
/** The field a required node affinity term names a node by. */
export const NODE_NAME_FIELD = 'metadata.name';

/**
 * Daemon pods survive node trouble (upstream AddOrUpdateDaemonPodTolerations): not-ready
 * and unreachable NoExecute with no time limit, the node-condition NoSchedule taints, and
 * network-unavailable for host-network pods, which do not need the pod network.
 */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const wanted: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) wanted.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of wanted) {
    // The same toleration with a time limit is replaced: a daemon pod is never evicted for these.
    const i = out.findIndex((o) => (o.key ?? '') === t.key && (o.operator || 'Equal') === t.operator && (o.value ?? '') === '' && (o.effect ?? '') === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/**
 * The affinity with its required node terms replaced by one that names `nodeName`
 * (upstream ReplaceDaemonSetPodNodeNameNodeAffinity); preferred terms are kept. Safe
 * because the controller only picks nodes the original terms already match.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term = { matchFields: [{ key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] }] };
  const out = cloneJson(affinity ?? {});
  out.nodeAffinity = { ...out.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return out;
}

/**
 * The node a daemon pod is for (upstream GetTargetNodeName): its spec.nodeName once bound,
 * before that the single node its required affinity names; undefined when neither.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === NODE_NAME_FIELD && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** The DaemonSet's deprecated template generation, if it carries a valid one. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const raw = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** A pod of the current revision: its hash label matches, or (older pods) its template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) return true;
  return generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
}

/** Bound pods first, then oldest first, ties by name (upstream podByCreationTimestampAndPhase). */
export function byCreationAndBinding(a: Pod, b: Pod): number {
  const boundA = a.spec?.nodeName ? 0 : 1;
  const boundB = b.spec?.nodeName ? 0 : 1;
  if (boundA !== boundB) return boundA - boundB;
  const tA = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tB = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (tA !== tB) return tA - tB;
  const nA = a.metadata?.name ?? '';
  const nB = b.metadata?.name ?? '';
  return nA < nB ? -1 : nA > nB ? 1 : 0;
}

/** The template's pod spec as it would run on `nodeName`, with the daemon tolerations (upstream NewPod). */
export function podSpecForNode(ds: DaemonSet, nodeName: string): PodSpec {
  const spec = cloneJson(ds.spec?.template?.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  spec.tolerations = daemonTolerations(spec);
  return spec;
}

/**
 * The pod to create for `nodeName`: the template with the revision labels, the daemon
 * tolerations and affinity pinned to the node, owned by the DaemonSet. Left unbound: the
 * scheduler binds it, as upstream has done since daemon pods are scheduled by it.
 */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = ds.spec?.template ?? {};
  const labels: Record<string, string> = { ...template.metadata?.labels };
  const generation = templateGeneration(ds);
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash !== '') labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  const meta: ObjectMeta = {
    generateName: `${ds.metadata!.name}-`,
    namespace: ds.metadata!.namespace!,
    labels,
    ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata!.name!, uid: ds.metadata!.uid! })],
  };
  if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers) meta.finalizers = [...template.metadata.finalizers];
  const spec = cloneJson(template.spec ?? { containers: [] });
  spec.tolerations = daemonTolerations(spec);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}
