/**
 * Admission plugins in the API server of an in-process cluster: LimitRanger defaults a
 * pod's containers (with the kubernetes.io/limit-ranger annotation) and refuses one past
 * a maximum with upstream's 403 wording, for claims too; DefaultTolerationSeconds adds
 * the 300 s not-ready/unreachable tolerations; StorageObjectInUseProtection puts the
 * protection finalizers on new claims and volumes; DefaultStorageClass fills a claim's
 * class with the (newest) default class.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LimitRange, Namespace, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, type Client } from '../../src/client/index.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

let cluster: InProcessCluster;
let client: Client;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-admission' });
  client = cluster.client;
});
after(async () => {
  await cluster?.stop();
});

const namespace = (name: string) => client.create<Namespace>(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pod = (ns: string, name: string, containers: object[], spec: object = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers, ...spec } }) as Pod;
const createPod = (p: Pod) => client.create<Pod>(RESOURCE_TYPES.pods, p, { namespace: p.metadata!.namespace! });
const claim = (ns: string, name: string, storage: string, spec: object = {}): PersistentVolumeClaim =>
  ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...spec } }) as PersistentVolumeClaim;
const createClaim = (c: PersistentVolumeClaim) => client.create<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, c, { namespace: c.metadata!.namespace! });

async function refused(what: Promise<unknown>): Promise<ApiError> {
  try {
    await what;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('the request was admitted');
}

describe('LimitRanger', () => {
  before(async () => {
    await namespace('limits');
    const lr: LimitRange = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: 'limits' },
      spec: {
        limits: [
          { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '250m', memory: '128Mi' }, max: { cpu: '1', memory: '1Gi' } },
          { type: 'PersistentVolumeClaim', max: { storage: '2Gi' } },
        ],
      },
    };
    await client.create(RESOURCE_TYPES.limitranges, lr, { namespace: 'limits' });
  });

  it('defaults missing requests and limits and annotates the pod', async () => {
    const created = await createPod(pod('limits', 'defaulted', [{ name: 'app', image: 'busybox' }, { name: 'side', image: 'busybox', resources: { requests: { cpu: '100m' } } }]));
    assert.deepEqual(created.spec!.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
    assert.deepEqual(created.spec!.containers[1]!.resources!.requests, { cpu: '100m', memory: '128Mi' });
    assert.equal(
      created.metadata!.annotations!['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; cpu, memory limit for container side',
    );
    // QoS is decided on the defaulted resources.
    assert.equal(created.status!.qosClass, 'Burstable');
  });

  it('refuses a container over the maximum with upstream wording and stores nothing', async () => {
    const err = await refused(createPod(pod('limits', 'greedy', [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '2' } } }])));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "greedy" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    await assert.rejects(client.get(RESOURCE_TYPES.pods, 'greedy', { namespace: 'limits' }), (e: unknown) => e instanceof ApiError && e.code === 404);
  });

  it('refuses a claim over the PersistentVolumeClaim maximum', async () => {
    const err = await refused(createClaim(claim('limits', 'big', '5Gi')));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
  });

  it('applies a LimitRange created just before the pod', async () => {
    await namespace('limits-fresh');
    await client.create(RESOURCE_TYPES.limitranges, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', defaultRequest: { memory: '64Mi' } }] } } as LimitRange, {
      namespace: 'limits-fresh',
    });
    const created = await createPod(pod('limits-fresh', 'p', [{ name: 'c', image: 'busybox' }]));
    assert.deepEqual(created.spec!.containers[0]!.resources, { requests: { memory: '64Mi' } });
  });
});

describe('DefaultTolerationSeconds', () => {
  it('adds 300 s not-ready and unreachable tolerations unless the pod has them', async () => {
    await namespace('tolerations');
    const plain = await createPod(pod('tolerations', 'plain', [{ name: 'c', image: 'busybox' }]));
    assert.deepEqual(plain.spec!.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    const custom = await createPod(pod('tolerations', 'custom', [{ name: 'c', image: 'busybox' }], { tolerations: [own] }));
    assert.deepEqual(custom.spec!.tolerations, [own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    const all = await createPod(pod('tolerations', 'all', [{ name: 'c', image: 'busybox' }], { tolerations: [{ operator: 'Exists' }] }));
    assert.deepEqual(all.spec!.tolerations, [{ operator: 'Exists' }]);
  });
});

describe('storage admission', () => {
  it('protects new claims and volumes with finalizers', async () => {
    await namespace('storage');
    const c = await createClaim(claim('storage', 'data', '1Gi', { storageClassName: '' }));
    assert.deepEqual(c.metadata!.finalizers, ['kubernetes.io/pvc-protection']);
    const pv: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv-1' } },
    };
    const created = await client.create<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, pv);
    assert.deepEqual(created.metadata!.finalizers, ['kubernetes.io/pv-protection']);
  });

  it('gives a claim without a class the newest default class, and leaves an explicit "" alone', async () => {
    const noDefault = await createClaim(claim('storage', 'before', '1Gi'));
    assert.equal(noDefault.spec!.storageClassName, undefined);
    const sc = (name: string, isDefault: boolean): StorageClass => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } },
      provisioner: 'example.com/none',
    });
    await client.create(RESOURCE_TYPES.storageclasses, sc('plain', false));
    await client.create(RESOURCE_TYPES.storageclasses, sc('a-default', true));
    assert.equal((await createClaim(claim('storage', 'one', '1Gi'))).spec!.storageClassName, 'a-default');
    // creationTimestamp has one-second resolution: make the second default visibly newer
    // (on a tie the name decides, which would pick a-default).
    await new Promise((r) => setTimeout(r, 1100));
    await client.create(RESOURCE_TYPES.storageclasses, sc('z-default', true));
    assert.equal((await createClaim(claim('storage', 'two', '1Gi'))).spec!.storageClassName, 'z-default');
    assert.equal((await createClaim(claim('storage', 'none', '1Gi', { storageClassName: '' }))).spec!.storageClassName, '');
    assert.equal((await createClaim(claim('storage', 'named', '1Gi', { storageClassName: 'plain' }))).spec!.storageClassName, 'plain');
  });
});
