/**
 * ResourceQuota on an in-process cluster: the controller fills status.hard and
 * status.used (object counts, compute, services, storage per class, count/<kind>);
 * admission refuses what would exceed with upstream's 403 wording, takes the last slot
 * exactly once under concurrent creates, asks for the compute a quota restricts, and
 * honours scopes; usage comes back when a pod finishes or is deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, type Client, type RunningController } from '../../src/client/index.js';
import { startResourceQuotaController } from '../../src/controllers/resourcequota/resourcequota-controller.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let controller: RunningController;
let sim: NodeSimulator;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-quota' });
  client = cluster.client;
  controller = startResourceQuotaController({ client, informers: cluster.informers, logger: silentLogger });
  cluster.informers.start();
  assert.equal(await controller.started, true);
  sim = await NodeSimulator.start({ client, nodes: 1, bind: true, namespace: 'finish' });
});
after(async () => {
  await sim?.stop();
  await controller?.stop();
  await cluster?.stop();
});

const namespace = (name: string) => client.create<Namespace>(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const pod = (ns: string, name: string, resources?: object, spec: object = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }], ...spec } }) as Pod;
const createPod = (p: Pod) => client.create<Pod>(RESOURCE_TYPES.pods, p, { namespace: p.metadata!.namespace! });
const getQuota = (ns: string, name: string) => client.get<ResourceQuota>(RESOURCE_TYPES.resourcequotas, name, { namespace: ns });

async function createQuota(ns: string, name: string, hard: Record<string, string>, spec: object = {}): Promise<ResourceQuota> {
  await client.create(RESOURCE_TYPES.resourcequotas, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...spec } } as ResourceQuota, { namespace: ns });
  return waitFor(`quota ${ns}/${name} has usage`, async () => {
    const q = await getQuota(ns, name);
    return q.status?.used && Object.keys(q.status.used).length === Object.keys(hard).length ? q : undefined;
  });
}

async function refused(what: Promise<unknown>): Promise<ApiError> {
  try {
    await what;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('the request was admitted');
}

describe('ResourceQuota controller', () => {
  it('fills status.hard and status.used from the namespace', async () => {
    await namespace('usage');
    await createPod(pod('usage', 'a', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }));
    await createPod(pod('usage', 'b', { requests: { cpu: '250m' } }));
    await client.create(RESOURCE_TYPES.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: {} }, { namespace: 'usage' });
    await client.create(RESOURCE_TYPES.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } }, { namespace: 'usage' });
    await client.create(
      RESOURCE_TYPES.persistentvolumeclaims,
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } } },
      { namespace: 'usage' },
    );
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    await client.create(RESOURCE_TYPES.deployments, dep, { namespace: 'usage' });
    const hard = {
      pods: '10',
      'requests.cpu': '2',
      'limits.memory': '1Gi',
      memory: '1Gi',
      configmaps: '5',
      services: '5',
      'services.nodeports': '4',
      'requests.storage': '10Gi',
      'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
      'count/deployments.apps': '3',
      secrets: '5',
    };
    const q = await createQuota('usage', 'everything', hard);
    assert.deepEqual(q.status!.hard, hard);
    assert.deepEqual(q.status!.used, {
      pods: '2',
      'requests.cpu': '500m',
      'limits.memory': '128Mi',
      memory: '64Mi',
      configmaps: '1',
      services: '1',
      'services.nodeports': '2',
      'requests.storage': '3Gi',
      'fast.storageclass.storage.k8s.io/requests.storage': '3Gi',
      'count/deployments.apps': '1',
      secrets: '0',
    });
  });

  it('follows a change of spec.hard', async () => {
    await namespace('rehard');
    await createQuota('rehard', 'q', { pods: '1' });
    await client.patch(RESOURCE_TYPES.resourcequotas, 'q', 'merge', { spec: { hard: { pods: '3', configmaps: '2' } } }, { namespace: 'rehard' });
    const q = await waitFor('new hard in status', async () => {
      const got = await getQuota('rehard', 'q');
      return got.status?.hard?.['pods'] === '3' && got.status.used?.['configmaps'] !== undefined ? got : undefined;
    });
    assert.deepEqual(q.status!.used, { pods: '0', configmaps: '0' });
  });
});

describe('ResourceQuota admission', () => {
  it('refuses past the last slot with upstream wording, and charges status.used', async () => {
    await namespace('slots');
    await createQuota('slots', 'pod-count', { pods: '2' });
    await createPod(pod('slots', 'one'));
    assert.equal((await getQuota('slots', 'pod-count')).status!.used!['pods'], '1');
    await createPod(pod('slots', 'two'));
    const err = await refused(createPod(pod('slots', 'three')));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "three" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=2, limited: pods=2');
    await assert.rejects(client.get(RESOURCE_TYPES.pods, 'three', { namespace: 'slots' }), (e: unknown) => e instanceof ApiError && e.code === 404);
  });

  it('admits exactly the free slots under 10 concurrent creates', async () => {
    await namespace('race');
    await createQuota('race', 'pod-count', { pods: '5' });
    await createPod(pod('race', 'first'));
    await createPod(pod('race', 'second'));
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => createPod(pod('race', `p${i}`))));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(admitted.length, 3);
    for (const r of rejected) {
      assert.ok(r.reason instanceof ApiError && r.reason.code === 403, String(r.reason));
      assert.match(r.reason.message, /is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=5, limited: pods=5$/);
    }
    assert.equal((await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: 'race' })).items.length, 5);
    assert.equal((await getQuota('race', 'pod-count')).status!.used!['pods'], '5');
  });

  it('asks for the compute resources a quota restricts', async () => {
    await namespace('compute');
    await createQuota('compute', 'compute', { 'limits.cpu': '2', 'requests.memory': '1Gi' });
    const err = await refused(createPod(pod('compute', 'bare', { requests: { cpu: '100m' } })));
    assert.equal(err.message, 'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.memory for: c');
    await createPod(pod('compute', 'ok', { requests: { memory: '512Mi' }, limits: { cpu: '1' } }));
    const over = await refused(createPod(pod('compute', 'big', { requests: { memory: '768Mi' }, limits: { cpu: '1' } })));
    assert.equal(over.message, 'pods "big" is forbidden: exceeded quota: compute, requested: requests.memory=768Mi, used: requests.memory=512Mi, limited: requests.memory=1Gi');
  });

  it('applies scopes: BestEffort, NotBestEffort, Terminating and PriorityClass', async () => {
    await namespace('scopes');
    await client.create(RESOURCE_TYPES.priorityclasses, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
    await createQuota('scopes', 'best-effort', { pods: '1' }, { scopes: ['BestEffort'] });
    await createQuota('scopes', 'terminating', { pods: '0' }, { scopes: ['Terminating'] });
    await createQuota('scopes', 'high', { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
    await createPod(pod('scopes', 'be-1'));
    const second = await refused(createPod(pod('scopes', 'be-2')));
    assert.equal(second.message, 'pods "be-2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    // Not best-effort: the BestEffort quota does not apply.
    await createPod(pod('scopes', 'burstable', { requests: { cpu: '100m' } }));
    const deadline = await refused(createPod(pod('scopes', 'job', { requests: { cpu: '100m' } }, { activeDeadlineSeconds: 60 })));
    assert.match(deadline.message, /exceeded quota: terminating, requested: pods=1, used: pods=0, limited: pods=0$/);
    const high = await refused(createPod(pod('scopes', 'vip', { requests: { cpu: '100m' } }, { priorityClassName: 'high' })));
    assert.match(high.message, /exceeded quota: high, /);
    assert.equal((await getQuota('scopes', 'best-effort')).status!.used!['pods'], '1');
  });
});

describe('ResourceQuota usage given back', () => {
  it('stops counting a pod that finished, and one that was deleted', async () => {
    await namespace('finish');
    await createQuota('finish', 'one', { pods: '1' });
    await createPod(pod('finish', 'a'));
    await waitFor('pod a running', async () => (await client.get<Pod>(RESOURCE_TYPES.pods, 'a', { namespace: 'finish' })).status?.phase === 'Running');
    await refused(createPod(pod('finish', 'b')));
    await sim.markSucceeded('finish', 'a');
    await waitFor('usage given back', async () => (await getQuota('finish', 'one')).status!.used!['pods'] === '0');
    await createPod(pod('finish', 'b'));
    assert.equal((await getQuota('finish', 'one')).status!.used!['pods'], '1');
    await client.delete(RESOURCE_TYPES.pods, 'b', { namespace: 'finish' });
    await waitFor('pod b gone', async () => {
      try {
        await client.get(RESOURCE_TYPES.pods, 'b', { namespace: 'finish' });
        return false;
      } catch (err) {
        return err instanceof ApiError && err.code === 404;
      }
    });
    await waitFor('usage given back after deletion', async () => (await getQuota('finish', 'one')).status!.used!['pods'] === '0');
  });
});
