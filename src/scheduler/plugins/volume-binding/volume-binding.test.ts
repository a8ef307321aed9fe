import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { realClock } from '../../../util/clock.js';
import { podInfo } from '../../pod-info.js';
import { EMPTY_LISTERS, type CycleState, type FrameworkHandle, type Listers } from '../../types.js';
import { cacheWith, filterAll, makeNode, makePod, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from './volume-util.js';
import { ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE, newVolumeBinding } from './volume-binding.js';

const hostAffinity = (node: string): PersistentVolume['spec'] => ({
  nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
});

function pv(name: string, o: { size?: string; cls?: string; node?: string; claim?: string; labels?: Record<string, string>; modes?: string[] } = {}): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, resourceVersion: '1', ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: o.cls ?? 'local',
      ...(o.node ? hostAffinity(o.node) : {}),
      ...(o.claim ? { claimRef: { namespace: 'default', name: o.claim } } : {}),
    },
  };
}

function pvc(name: string, o: { size?: string; cls?: string; volume?: string; annotations?: Record<string, string> } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls ?? 'local', ...(o.volume ? { volumeName: o.volume } : {}) },
    ...(o.volume ? { status: { phase: 'Bound' } } : {}),
  };
}

const sc = (name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'kubernetes.io/no-provisioner'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  volumeBindingMode: mode,
});

function listers(pvs: PersistentVolume[], pvcs: PersistentVolumeClaim[], classes: StorageClass[]): Listers {
  return {
    ...EMPTY_LISTERS,
    persistentVolume: (n) => pvs.find((v) => v.metadata?.name === n),
    persistentVolumes: () => pvs,
    persistentVolumeClaim: (ns, n) => pvcs.find((c) => c.metadata?.namespace === ns && c.metadata?.name === n),
    storageClass: (n) => classes.find((c) => c.metadata?.name === n),
  };
}

const withClaims = (name: string, ...claims: string[]): Pod =>
  makePod(name, { volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) });

const nodes = [makeNode('a'), makeNode('b')];
const reasonsOf = (out: Map<string, { reasons: string[] } | undefined>) => Object.fromEntries([...out].map(([n, s]) => [n, s?.reasons ?? []]));

test('skips pods without claims and rejects missing or unbound immediate claims', () => {
  const plugin = newVolumeBinding({ listers: listers([], [pvc('imm', { cls: 'fast' })], [sc('fast', 'Immediate')]), clock: realClock });
  const snap = snapshotOf(cacheWith(nodes));
  assert.deepEqual(reasonsOf(filterAll(plugin, makePod('plain'), snap)), { a: [], b: [] });
  const missing = filterAll(plugin, withClaims('p', 'nope'), snap);
  assert.equal(missing.get('a')?.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(missing.get('a')?.reasons, ['persistentvolumeclaim "nope" not found']);
  const imm = filterAll(plugin, withClaims('p', 'imm'), snap);
  assert.deepEqual(imm.get('b')?.reasons, [ERR_UNBOUND_IMMEDIATE]);
});

test('a bound claim allows only nodes its volume admits', () => {
  const plugin = newVolumeBinding({ listers: listers([pv('v1', { node: 'b', claim: 'data' })], [pvc('data', { volume: 'v1' }), pvc('ghost', { volume: 'gone' })], []), clock: realClock });
  const snap = snapshotOf(cacheWith(nodes));
  assert.deepEqual(reasonsOf(filterAll(plugin, withClaims('p', 'data'), snap)), { a: [ERR_NODE_CONFLICT], b: [] });
  assert.deepEqual(reasonsOf(filterAll(plugin, withClaims('p', 'ghost'), snap)), { a: [ERR_PV_NOT_EXIST], b: [ERR_PV_NOT_EXIST] });
});

test('a WaitForFirstConsumer claim needs a matching available volume on the node or a provisioner', () => {
  const volumes = [pv('small-b', { node: 'b', size: '1Gi' }), pv('big-b', { node: 'b', size: '10Gi' }), pv('taken-a', { node: 'a', claim: 'other' }), pv('other-class-a', { node: 'a', cls: 'x' })];
  const plugin = newVolumeBinding({ listers: listers(volumes, [pvc('w', { cls: 'local', size: '2Gi' }), pvc('dyn', { cls: 'lp' })], [sc('local', 'WaitForFirstConsumer'), sc('lp', 'WaitForFirstConsumer', 'rancher.io/local-path')]), clock: realClock });
  const snap = snapshotOf(cacheWith(nodes));
  assert.deepEqual(reasonsOf(filterAll(plugin, withClaims('p', 'w'), snap)), { a: [ERR_BIND_CONFLICT], b: [] });
  assert.deepEqual(reasonsOf(filterAll(plugin, withClaims('p', 'dyn'), snap)), { a: [], b: [] });
});

test('reserve assumes the smallest fitting volume so the next pod cannot take it; unreserve gives it back', () => {
  const volumes = [pv('big', { node: 'b', size: '10Gi' }), pv('small', { node: 'b', size: '3Gi' })];
  const claims = [pvc('c1', { size: '2Gi' }), pvc('c2', { size: '2Gi' }), pvc('c3', { size: '2Gi' })];
  const plugin = newVolumeBinding({ listers: listers(volumes, claims, [sc('local', 'WaitForFirstConsumer')]), clock: realClock });
  const snap = snapshotOf(cacheWith(nodes));
  const node = snap.get('b')!;
  const place = (pod: Pod): CycleState | undefined => {
    const state: CycleState = new Map();
    const info = podInfo(pod);
    if (plugin.preFilter!(state, info, snap)) return undefined;
    if (plugin.filter!(state, info, node)) return undefined;
    assert.equal(plugin.reserve!(state, info, 'b'), undefined);
    return state;
  };
  const s1 = place(withClaims('p1', 'c1'))!;
  const reserved = (s1.get('VolumeBinding') as { reserved: { volumes: PersistentVolume[] } }).reserved;
  assert.equal(reserved.volumes[0]!.metadata?.name, 'small');
  assert.equal(reserved.volumes[0]!.spec?.claimRef?.name, 'c1');
  assert.equal(reserved.volumes[0]!.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
  assert.ok(place(withClaims('p2', 'c2')));
  // Both volumes are assumed taken now: the third claim finds none.
  assert.equal(place(withClaims('p3', 'c3')), undefined);
  plugin.unreserve!(s1, podInfo(withClaims('p1', 'c1')), 'b');
  assert.ok(place(withClaims('p3', 'c3')));
});

test('preBind writes the claimRef / selected-node and waits until the claims are bound, or times out', async () => {
  const volumes = [pv('v', { node: 'a' })];
  const claims = [pvc('static'), pvc('dyn', { cls: 'lp' })];
  const writes: string[] = [];
  const handle: FrameworkHandle = {
    listers: listers(volumes, claims, [sc('local', 'WaitForFirstConsumer'), sc('lp', 'WaitForFirstConsumer', 'rancher.io/local-path')]),
    clock: realClock,
    volumeBindPollMs: 5,
    volumeBindTimeoutMs: 2_000,
    writer: {
      async updatePersistentVolume(v) {
        writes.push(`pv ${v.metadata?.name} -> ${v.spec?.claimRef?.name}`);
        const out = { ...v, metadata: { ...v.metadata, resourceVersion: '2' } };
        volumes[0] = out;
        return out;
      },
      async updatePersistentVolumeClaim(c) {
        writes.push(`pvc ${c.metadata?.name} node=${c.metadata?.annotations?.[ANN_SELECTED_NODE]} provisioner=${c.metadata?.annotations?.[ANN_STORAGE_PROVISIONER]}`);
        const out = { ...c, metadata: { ...c.metadata, resourceVersion: '2' } };
        claims[claims.findIndex((x) => x.metadata?.name === c.metadata?.name)] = out;
        return out;
      },
    },
  };
  const plugin = newVolumeBinding(handle);
  const snap = snapshotOf(cacheWith(nodes));
  const info = podInfo(withClaims('p', 'static', 'dyn'));
  const state: CycleState = new Map();
  assert.equal(plugin.preFilter!(state, info, snap), undefined);
  assert.equal(plugin.filter!(state, info, snap.get('a')!), undefined);
  assert.equal(plugin.reserve!(state, info, 'a'), undefined);
  const done = plugin.preBind!(state, info, 'a');
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(writes.sort(), ['pv v -> static', 'pvc dyn node=a provisioner=rancher.io/local-path']);
  // Play the binder and the provisioner: both claims become bound.
  const bind = (name: string, volume: string) => {
    const i = claims.findIndex((x) => x.metadata?.name === name);
    const c = claims[i]!;
    claims[i] = { ...c, metadata: { ...c.metadata, resourceVersion: '3', annotations: { ...c.metadata?.annotations, [ANN_BIND_COMPLETED]: 'yes' } }, spec: { ...c.spec, volumeName: volume } };
  };
  bind('static', 'v');
  volumes.push({ ...pv('prov', { node: 'a', cls: 'lp' }), spec: { ...pv('prov', { node: 'a', cls: 'lp' }).spec, claimRef: { namespace: 'default', name: 'dyn', uid: 'uid-dyn' } } });
  bind('dyn', 'prov');
  assert.equal(await done, undefined);

  // A claim nobody binds: PreBind gives up after the timeout with an error.
  const slow = newVolumeBinding({ ...handle, volumeBindTimeoutMs: 50, listers: listers([], [pvc('never', { cls: 'lp' })], [sc('lp', 'WaitForFirstConsumer', 'rancher.io/local-path')]) });
  const s2: CycleState = new Map();
  const p2 = podInfo(withClaims('p2', 'never'));
  slow.preFilter!(s2, p2, snap);
  slow.filter!(s2, p2, snap.get('b')!);
  slow.reserve!(s2, p2, 'b');
  const status = await slow.preBind!(s2, p2, 'b');
  assert.equal(status?.code, 'Error');
  assert.match(status!.reasons[0]!, /^binding volumes: /);
});

test('preBind stops waiting when the scheduler stops', async () => {
  const stopping = new AbortController();
  const claims = [pvc('never', { cls: 'lp' })];
  const plugin = newVolumeBinding({
    clock: realClock,
    signal: stopping.signal,
    volumeBindTimeoutMs: 600_000,
    volumeBindPollMs: 600_000,
    listers: listers([], claims, [sc('lp', 'WaitForFirstConsumer', 'rancher.io/local-path')]),
    writer: { updatePersistentVolume: async (v) => v, updatePersistentVolumeClaim: async (c) => c },
  });
  const snap = snapshotOf(cacheWith(nodes));
  const state: CycleState = new Map();
  const info = podInfo(withClaims('p', 'never'));
  plugin.preFilter!(state, info, snap);
  plugin.filter!(state, info, snap.get('a')!);
  plugin.reserve!(state, info, 'a');
  const waiting = plugin.preBind!(state, info, 'a');
  setTimeout(() => stopping.abort(), 20);
  const status = await waiting;
  assert.deepEqual(status?.reasons, ['binding volumes: context canceled']);
});
