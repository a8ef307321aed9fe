/**
 * The scheduler's VolumeBinding against a real API server on SQLite: the test plays the
 * PV binder and the provisioner (they live in another component) through upstream's
 * annotations. A pod whose bound claim's volume is pinned to a node goes there; a
 * WaitForFirstConsumer claim with a matching static volume on one node puts the pod on
 * that node and binds the volume (claimRef) before the pod; with no volume but a
 * provisioner, the claim gets selected-node and the pod binds once the claim is bound;
 * an unbound Immediate claim gets upstream's FailedScheduling wording.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { RESOURCE_TYPES, type Client, type CoreEvent } from '../../src/client/index.js';
import { Scheduler } from '../../src/scheduler/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let scheduler: Scheduler;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-scheduler-volumes' });
  client = cluster.client;
  scheduler = new Scheduler({ client, informers: cluster.informers, logger: silentLogger, volumeBindPollMs: 50, initialBackoffMs: 100, maxBackoffMs: 500 });
  scheduler.start();
  for (const name of ['vol-a', 'vol-b']) {
    const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
    const node = await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...node, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  const cls = (name: string, mode: string, provisioner: string): StorageClass => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode });
  await client.create(RESOURCE_TYPES.storageclasses, cls('static-wffc', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'));
  await client.create(RESOURCE_TYPES.storageclasses, cls('local-path', 'WaitForFirstConsumer', 'rancher.io/local-path'));
  await client.create(RESOURCE_TYPES.storageclasses, cls('immediate', 'Immediate', 'kubernetes.io/no-provisioner'));
});

after(async () => {
  await scheduler?.stop();
  await cluster?.stop();
});

function volume(name: string, node: string, cls: string, claim?: PersistentVolumeClaim): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: cls,
      local: { path: `/tmp/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
      ...(claim ? { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid } } : {}),
    },
  };
}

const claim = (name: string, cls: string): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: cls },
});

const pod = (name: string, claimName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});

const getClaim = (name: string) => client.get<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, name, { namespace: 'default' });
const nodeOf = async (name: string) => (await client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace: 'default' })).spec?.nodeName;

/** What the PV binder does once a volume names the claim: the claim names the volume, marked bind-completed, phase Bound. */
async function bindClaim(name: string, volumeName: string): Promise<void> {
  const c = await getClaim(name);
  const updated = await client.update<PersistentVolumeClaim>(
    RESOURCE_TYPES.persistentvolumeclaims,
    { ...c, metadata: { ...c.metadata, annotations: { ...c.metadata?.annotations, 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { ...c.spec, volumeName } },
    { namespace: 'default' },
  );
  await client.updateStatus(RESOURCE_TYPES.persistentvolumeclaims, { ...updated, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }, { namespace: 'default' });
}

describe('scheduler volume binding', () => {
  it('places a pod whose bound claim has a node-pinned volume on that node', async () => {
    const c = await client.create<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, claim('pinned', 'static-wffc'));
    await client.create(RESOURCE_TYPES.persistentvolumes, volume('pv-pinned', 'vol-b', 'static-wffc', c));
    await bindClaim('pinned', 'pv-pinned');
    await client.create(RESOURCE_TYPES.pods, pod('uses-pinned', 'pinned'));
    assert.equal(await waitFor('pod bound', () => nodeOf('uses-pinned')), 'vol-b');
  });

  it('binds a WaitForFirstConsumer claim to the matching static volume and places the pod on its node', async () => {
    await client.create(RESOURCE_TYPES.persistentvolumes, volume('pv-static', 'vol-a', 'static-wffc'));
    await client.create(RESOURCE_TYPES.persistentvolumeclaims, claim('wffc', 'static-wffc'));
    await client.create(RESOURCE_TYPES.pods, pod('uses-wffc', 'wffc'));
    const pv = await waitFor('PV claimRef set by the scheduler', async () => {
      const v = await client.get<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, 'pv-static');
      return v.spec?.claimRef?.name === 'wffc' ? v : undefined;
    });
    assert.equal(pv.spec?.claimRef?.namespace, 'default');
    assert.equal(pv.spec?.claimRef?.uid, (await getClaim('wffc')).metadata?.uid);
    assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    // The pod waits for the binder before it is bound.
    assert.equal(await nodeOf('uses-wffc'), undefined);
    await bindClaim('wffc', 'pv-static');
    assert.equal(await waitFor('pod bound', () => nodeOf('uses-wffc')), 'vol-a');
  });

  it('hands a claim with no volume to the provisioner (selected-node) and binds the pod once it is provisioned', async () => {
    await client.create(RESOURCE_TYPES.persistentvolumeclaims, claim('dynamic', 'local-path'));
    await client.create(RESOURCE_TYPES.pods, pod('uses-dynamic', 'dynamic'));
    const c = await waitFor('selected-node annotation', async () => {
      const got = await getClaim('dynamic');
      return got.metadata?.annotations?.['volume.kubernetes.io/selected-node'] ? got : undefined;
    });
    const node = c.metadata!.annotations!['volume.kubernetes.io/selected-node']!;
    assert.ok(['vol-a', 'vol-b'].includes(node));
    assert.equal(c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    // Play the provisioner: a volume on the selected node, bound to the claim.
    await client.create(RESOURCE_TYPES.persistentvolumes, volume('pvc-dynamic', node, 'local-path', c));
    await bindClaim('dynamic', 'pvc-dynamic');
    assert.equal(await waitFor('pod bound', () => nodeOf('uses-dynamic')), node);
  });

  it('reports an unbound Immediate claim with upstream wording', async () => {
    await client.create(RESOURCE_TYPES.persistentvolumeclaims, claim('imm', 'immediate'));
    await client.create(RESOURCE_TYPES.pods, pod('uses-imm', 'imm'));
    const failed = await waitFor('FailedScheduling', async () => {
      const list = await client.list<CoreEvent>(RESOURCE_TYPES.events, { namespace: 'default' });
      return list.items.find((e) => e.involvedObject.name === 'uses-imm' && e.reason === 'FailedScheduling');
    });
    assert.equal(
      failed.message,
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    // Once the claim is bound (here by hand), the claim event brings the pod back.
    await client.create(RESOURCE_TYPES.persistentvolumes, volume('pv-imm', 'vol-b', 'immediate', await getClaim('imm')));
    await bindClaim('imm', 'pv-imm');
    assert.equal(await waitFor('pod bound', () => nodeOf('uses-imm')), 'vol-b');
  });
});
