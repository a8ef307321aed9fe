/**
 * VolumeBinding (upstream plugins/volumebinding): a pod's PersistentVolumeClaims decide
 * where it may go and are bound as part of placing it.
 *  - PreFilter: every claim exists and is not terminating; claims of Immediate classes
 *    must already be bound ("pod has unbound immediate PersistentVolumeClaims").
 *  - Filter: bound claims' volumes must admit the node by their node affinity; each
 *    WaitForFirstConsumer claim needs an available matching volume that admits the node,
 *    or a class that can provision there.
 *  - Reserve: the chosen volumes (claimRef) and the claims to provision (selected-node
 *    annotation) are assumed in memory, so the next pod does not take them.
 *  - PreBind: those writes go to the API, then it waits until the PV binder (and the
 *    provisioner) have bound every claim, or fails after the bind timeout.
 * It never binds claims itself; upstream's annotations are the contract with the binder.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../../node-info.js';
import type { PodInfo } from '../../pod-info.js';
import { error, skip, unresolvable, type CycleState, type FrameworkHandle, type Plugin, type Status } from '../../types.js';
import { AssumeCache } from './assume-cache.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  NO_PROVISIONER,
  bindVolumeToClaim,
  bySize,
  claimClass,
  claimFullyBound,
  classAdmitsNode,
  findMatchingVolume,
  isDelayBinding,
  podClaims,
  volumeAdmitsNode,
  volumeBoundToClaim,
} from './volume-util.js';

export const NAME = 'VolumeBinding';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

const DEFAULT_BIND_TIMEOUT_MS = 600_000;
const DEFAULT_POLL_MS = 1_000;

/** What the pod needs on one node: volumes to bind to claims, and claims to provision there. */
interface PodVolumes {
  labels: Record<string, string>;
  bindings: { pv: PersistentVolume; pvc: PersistentVolumeClaim }[];
  provisions: PersistentVolumeClaim[];
}

interface State {
  bound: PersistentVolumeClaim[];
  /** WaitForFirstConsumer claims not yet bound, smallest first. */
  delayed: PersistentVolumeClaim[];
  /** Candidate volumes per class, listed once per cycle. */
  volumesByClass: Map<string, PersistentVolume[]>;
  byNode: Map<string, PodVolumes>;
  /** Set by Reserve: what was assumed, for PreBind and Unreserve. */
  reserved?: Reserved;
}

interface Reserved {
  node: string;
  labels: Record<string, string>;
  /** Volumes as assumed bound to their claims; `writes` names those the API must still be told. */
  volumes: PersistentVolume[];
  writes: Set<string>;
  claims: PersistentVolumeClaim[];
}

const STATE = 'VolumeBinding';
const claimKey = (pvc: PersistentVolumeClaim) => `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function newVolumeBinding(handle: FrameworkHandle): Plugin {
  const { listers, clock } = handle;
  const bindTimeoutMs = handle.volumeBindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
  const pollMs = handle.volumeBindPollMs ?? DEFAULT_POLL_MS;
  const volumes = new AssumeCache<PersistentVolume>(
    (name) => listers.persistentVolume(name),
    () => listers.persistentVolumes(),
    (pv) => pv.metadata?.name ?? '',
  );
  const claims = new AssumeCache<PersistentVolumeClaim>(
    (key) => {
      const i = key.indexOf('/');
      return listers.persistentVolumeClaim(key.slice(0, i), key.slice(i + 1));
    },
    () => [],
    claimKey,
  );

  function preFilter(state: CycleState, pod: PodInfo): Status | undefined {
    const refs = podClaims(pod.pod);
    if (refs.length === 0) return skip();
    const bound: PersistentVolumeClaim[] = [];
    const delayed: PersistentVolumeClaim[] = [];
    let unboundImmediate = false;
    for (const ref of refs) {
      const pvc = claims.lookup(`${pod.namespace}/${ref.name}`);
      if (!pvc) {
        return unresolvable(
          ref.ephemeral
            ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"`
            : `persistentvolumeclaim "${ref.name}" not found`,
        );
      }
      if (pvc.status?.phase === 'Lost') return unresolvable(`persistentvolumeclaim "${ref.name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`);
      if (pvc.metadata?.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${ref.name}" is being deleted`);
      if (ref.ephemeral && !(pvc.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === pod.pod.metadata?.uid)) {
        return unresolvable(`PVC ${pod.namespace}/${ref.name} was not created for pod ${pod.key} (pod is not owner)`);
      }
      if (claimFullyBound(pvc)) {
        bound.push(pvc);
        continue;
      }
      const className = claimClass(pvc);
      const cls = className ? listers.storageClass(className) : undefined;
      if (className && !cls && !pvc.spec?.volumeName) return error(`storageclass.storage.k8s.io "${className}" not found`);
      // A claim pre-bound to a volume by name is the binder's job, like an Immediate claim.
      if (isDelayBinding(cls) && !pvc.spec?.volumeName) delayed.push(pvc);
      else unboundImmediate = true;
    }
    if (unboundImmediate) return unresolvable(ERR_UNBOUND_IMMEDIATE);
    const volumesByClass = new Map<string, PersistentVolume[]>();
    if (delayed.length > 0) {
      for (const pv of volumes.all()) {
        const cls = pv.spec?.storageClassName ?? '';
        let list = volumesByClass.get(cls);
        if (!list) volumesByClass.set(cls, (list = []));
        list.push(pv);
      }
    }
    state.set(STATE, { bound, delayed: delayed.sort(bySize), volumesByClass, byNode: new Map() } satisfies State);
    return undefined;
  }

  function filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status | undefined {
    const s = state.get(STATE) as State | undefined;
    if (!s) return undefined;
    const reasons: string[] = [];
    let pvMissing = false;
    let nodeConflict = false;
    for (const pvc of s.bound) {
      const pv = volumes.lookup(pvc.spec?.volumeName ?? '');
      if (!pv) pvMissing = true;
      else if (!volumeAdmitsNode(pv, node.name, node.labels)) nodeConflict = true;
    }
    if (nodeConflict) reasons.push(ERR_NODE_CONFLICT);
    if (pvMissing) reasons.push(ERR_PV_NOT_EXIST);

    const result: PodVolumes = { labels: node.labels, bindings: [], provisions: [] };
    let satisfied = true;
    const chosen = new Set<string>();
    const toProvision: PersistentVolumeClaim[] = [];
    for (const pvc of s.delayed) {
      const selected = pvc.metadata?.annotations?.[ANN_SELECTED_NODE];
      // Already handed to the provisioner for a node: only that node will do.
      if (selected !== undefined) {
        if (selected !== node.name) satisfied = false;
        else toProvision.push(pvc);
        continue;
      }
      const pv = findMatchingVolume(pvc, s.volumesByClass.get(claimClass(pvc)) ?? [], node.name, node.labels, chosen);
      if (pv) {
        chosen.add(pv.metadata?.name ?? '');
        result.bindings.push({ pv, pvc });
      } else toProvision.push(pvc);
    }
    if (satisfied) {
      for (const pvc of toProvision) {
        const cls = listers.storageClass(claimClass(pvc));
        if (!cls?.provisioner || cls.provisioner === NO_PROVISIONER || !classAdmitsNode(cls, node.labels)) {
          satisfied = false;
          break;
        }
        result.provisions.push(pvc);
      }
    }
    if (!satisfied) reasons.push(ERR_BIND_CONFLICT);
    if (reasons.length > 0) return unresolvable(...reasons);
    s.byNode.set(node.name, result);
    return undefined;
  }

  function reserve(state: CycleState, _pod: PodInfo, nodeName: string): Status | undefined {
    const s = state.get(STATE) as State | undefined;
    const podVolumes = s?.byNode.get(nodeName);
    if (!s || !podVolumes || (podVolumes.bindings.length === 0 && podVolumes.provisions.length === 0)) return undefined;
    const reserved: Reserved = { node: nodeName, labels: podVolumes.labels, volumes: [], writes: new Set(), claims: [] };
    for (const { pv, pvc } of podVolumes.bindings) {
      const updated = bindVolumeToClaim(pv, pvc);
      if (updated) {
        volumes.assume(updated);
        reserved.writes.add(updated.metadata?.name ?? '');
      }
      reserved.volumes.push(updated ?? pv);
    }
    for (const pvc of podVolumes.provisions) {
      const cls = listers.storageClass(claimClass(pvc));
      const annotations: Record<string, string> = { ...pvc.metadata?.annotations, [ANN_SELECTED_NODE]: nodeName };
      // The PV binder sets these when it hands a claim to a provisioner; set them here too
      // so provisioning works against any binder that only watches selected-node.
      if (cls?.provisioner && annotations[ANN_STORAGE_PROVISIONER] === undefined) {
        annotations[ANN_STORAGE_PROVISIONER] = cls.provisioner;
        annotations[ANN_BETA_STORAGE_PROVISIONER] ??= cls.provisioner;
      }
      const updated: PersistentVolumeClaim = { ...pvc, metadata: { ...pvc.metadata, annotations } };
      claims.assume(updated);
      reserved.claims.push(updated);
    }
    s.reserved = reserved;
    return undefined;
  }

  function unreserve(state: CycleState): void {
    const s = state.get(STATE) as State | undefined;
    if (!s?.reserved) return;
    for (const pv of s.reserved.volumes) volumes.restore(pv.metadata?.name ?? '');
    for (const pvc of s.reserved.claims) claims.restore(claimKey(pvc));
  }

  /** Whether the binder has finished; throws when it undid what the scheduler asked for. */
  function checkBindings(s: Reserved): boolean {
    let done = true;
    for (const want of s.volumes) {
      const pv = volumes.lookup(want.metadata?.name ?? '');
      if (!pv) throw new Error(`cannot get pv "${want.metadata?.name ?? ''}" from cache`);
      const ref = want.spec!.claimRef!;
      if (!pv.spec?.claimRef || pv.spec.claimRef.name !== ref.name || pv.spec.claimRef.namespace !== ref.namespace) {
        throw new Error(`pv "${want.metadata?.name ?? ''}" claimRef was removed or changed`);
      }
      const pvc = claims.lookup(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
      if (!pvc) throw new Error(`cannot get pvc "${ref.namespace ?? ''}/${ref.name ?? ''}" from cache`);
      if (!claimFullyBound(pvc)) done = false;
    }
    for (const want of s.claims) {
      const pvc = claims.lookup(claimKey(want));
      if (!pvc) throw new Error(`cannot get pvc "${claimKey(want)}" from cache`);
      // The provisioner clears selected-node when it cannot provision there: schedule again.
      if (pvc.metadata?.annotations?.[ANN_SELECTED_NODE] !== s.node) throw new Error(`provisioning failed for PVC "${pvc.metadata?.name ?? ''}"`);
      if (pvc.spec?.volumeName) {
        const pv = volumes.lookup(pvc.spec.volumeName);
        if (!pv) {
          done = false;
          continue;
        }
        if (!volumeAdmitsNode(pv, s.node, s.labels)) throw new Error(`pv "${pvc.spec.volumeName}" node affinity doesn't match node "${s.node}"`);
        if (!volumeBoundToClaim(pv, pvc)) done = false;
      }
      if (!claimFullyBound(pvc)) done = false;
    }
    return done;
  }

  async function preBind(state: CycleState, _pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    const s = state.get(STATE) as State | undefined;
    const reserved = s?.reserved;
    if (!reserved || reserved.node !== nodeName) return undefined;
    const writer = handle.writer;
    if (!writer) return error('binding volumes: no API writer');
    try {
      for (const pv of reserved.volumes) if (reserved.writes.has(pv.metadata?.name ?? '')) volumes.assume(await writer.updatePersistentVolume(pv));
      for (const pvc of reserved.claims) claims.assume(await writer.updatePersistentVolumeClaim(pvc));
      const deadline = clock.now() + bindTimeoutMs;
      for (;;) {
        if (checkBindings(reserved)) return undefined;
        if (clock.now() >= deadline) return error('binding volumes: context deadline exceeded');
        if (handle.signal?.aborted) return error('binding volumes: context canceled');
        await clock.sleep(Math.min(pollMs, Math.max(1, deadline - clock.now())), handle.signal);
      }
    } catch (err) {
      return error(`binding volumes: ${message(err)}`);
    }
  }

  return {
    name: NAME,
    events: ['PersistentVolume/Change', 'PersistentVolumeClaim/Change', 'StorageClass/Change', 'Node/Add', 'Node/UpdateLabel'],
    preFilter,
    filter,
    reserve,
    unreserve,
    preBind,
  };
}
