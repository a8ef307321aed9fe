/**
 * VolumeBinding with the real PV binder and local-path provisioner of `skiff server`: a
 * pod with a claim of the default `local-path` class (WaitForFirstConsumer) is placed,
 * the claim gets the scheduler's selected-node, the provisioner makes a volume pinned to
 * that node (once its helper pod there, completed by the test in place of a kubelet, has
 * succeeded), the binder binds it, and only then is the pod bound — to that node.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, type Client } from '../../src/client/index.js';
import { startInProcessServer, type InProcessServer } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessServer;
let client: Client;

before(async () => {
  cluster = await startInProcessServer({ label: 'test-scheduler-volumes-server' });
  client = cluster.client;
});

after(async () => {
  await cluster?.stop();
});

async function createNode(name: string): Promise<void> {
  const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
  await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
  for (let attempt = 0; ; attempt++) {
    const latest = await client.get<Node>(RESOURCE_TYPES.nodes, name);
    try {
      await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...latest, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 5) throw err;
    }
  }
}

/** Plays the kubelet for the provisioner's create helper pod: it succeeds on its node. */
async function completeCreateHelper(): Promise<Pod> {
  const helper = await waitFor('the create helper pod', async () => {
    const list = await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: 'kube-system' });
    return list.items.find((p) => p.metadata?.name?.startsWith('helper-pod-create-'));
  });
  await client.updateStatus<Pod>(RESOURCE_TYPES.pods, { ...helper, status: { phase: 'Succeeded' } });
  return helper;
}

it('provisions a local-path claim on the node the scheduler picks and binds the pod there', async () => {
  await createNode('lp-a');
  await createNode('lp-b');
  await client.create<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' },
  });
  await client.create<Pod>(RESOURCE_TYPES.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
  });
  const helper = await completeCreateHelper();
  const node = await waitFor('pod bound', async () => (await client.get<Pod>(RESOURCE_TYPES.pods, 'app', { namespace: 'default' })).spec?.nodeName);
  const claim = await client.get<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, 'data', { namespace: 'default' });
  assert.equal(claim.metadata?.annotations?.['volume.kubernetes.io/selected-node'], node);
  assert.equal(claim.status?.phase, 'Bound');
  const pv = await client.get<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, claim.spec!.volumeName!);
  assert.equal(pv.spec?.claimRef?.name, 'data');
  const pinned = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values;
  assert.deepEqual(pinned, [node]);
  assert.equal(helper.spec?.nodeName, node, 'the directory was made on that node');
  assert.equal(helper.metadata?.name, `helper-pod-create-${pv.metadata?.name}`);
});
