/**
 * The ReplicaSet and ReplicationController controllers on an in-process cluster (API
 * server on SQLite in a temp dir, controller manager over the in-process transport) with
 * the node simulator binding pods and marking them Ready: scaling up and down, replacing
 * a deleted pod, adopting an orphan and releasing a pod that stops matching, the status
 * fields (with minReadySeconds), and the same over the older ReplicationController.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { RESOURCE_TYPES, type Client } from '../../src/client/index.js';
import { startControllerManager, type ControllerManager } from '../../src/controllers/manager.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const clusters: InProcessCluster[] = [];
let manager: ControllerManager;
let sim: NodeSimulator;
let client: Client;

const CONTROLLER_MANAGER = 'system:kube-controller-manager';

/** An API server on SQLite in a temp dir, with an admin client and a token for the controller manager. */
async function startCluster(): Promise<InProcessCluster> {
  const cluster = await startInProcessCluster({ label: 'test-rs', user: 'test-admin', users: [CONTROLLER_MANAGER] });
  clusters.push(cluster);
  return cluster;
}

before(async () => {
  const cluster = await startCluster();
  client = cluster.client;
  manager = await startControllerManager({ transport: cluster.transport(CONTROLLER_MANAGER), logger: silentLogger });
  sim = await NodeSimulator.start({ client, nodes: 3, bind: true });
});

after(async () => {
  await sim?.stop();
  await manager?.stop();
  for (const cluster of clusters.reverse()) await cluster.stop();
});


/** Pods that count toward replicas: not being deleted, not finished. */
const live = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';

async function podsOf(selector: string): Promise<Pod[]> {
  return (await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: selector })).items.filter(live);
}

function replicaSet(name: string, replicas: number, extra: Partial<NonNullable<ReplicaSet['spec']>> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...extra,
    },
  };
}

const getRs = (name: string) => client.get<ReplicaSet>(RESOURCE_TYPES.replicasets, name, { namespace: NS });

async function scale(name: string, replicas: number): Promise<void> {
  await client.patch(RESOURCE_TYPES.replicasets, name, 'merge', { spec: { replicas } }, { namespace: NS });
}

async function settled(name: string, replicas: number): Promise<ReplicaSet> {
  return waitFor(`${name} settled at ${replicas}`, async () => {
    const rs = await getRs(name);
    const pods = await podsOf(`app=${name}`);
    const s = rs.status;
    return pods.length === replicas && s?.replicas === replicas && (s.readyReplicas ?? 0) === replicas && (s.availableReplicas ?? 0) === replicas && s.observedGeneration === rs.metadata?.generation && rs;
  });
}

describe('ReplicaSet controller', () => {
  it('creates pods from the template with generateName and a controller reference, and reports status', async () => {
    const created = await client.create<ReplicaSet>(RESOURCE_TYPES.replicasets, replicaSet('web', 3));
    const rs = await settled('web', 3);
    assert.equal(rs.status?.fullyLabeledReplicas, 3);
    for (const pod of await podsOf('app=web')) {
      assert.match(pod.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.equal(pod.metadata?.generateName, 'web-');
      assert.deepEqual(pod.metadata?.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
  });

  it('scales up and down', async () => {
    await scale('web', 5);
    const up = await settled('web', 5);
    assert.equal(up.metadata?.generation, 2);
    await scale('web', 1);
    await settled('web', 1);
  });

  it('replaces a deleted pod', async () => {
    const [victim] = await podsOf('app=web');
    await client.delete(RESOURCE_TYPES.pods, victim!.metadata!.name!, { namespace: NS });
    await waitFor('a replacement', async () => {
      const pods = await podsOf('app=web');
      return pods.length === 1 && pods[0]!.metadata?.name !== victim!.metadata?.name;
    });
    await settled('web', 1);
  });

  it('releases a pod whose labels stop matching, and makes up for it', async () => {
    const [pod] = await podsOf('app=web');
    await client.patch(RESOURCE_TYPES.pods, pod!.metadata!.name!, 'merge', { metadata: { labels: { app: 'elsewhere' } } }, { namespace: NS });
    await waitFor('the release', async () => {
      const p = await client.get<Pod>(RESOURCE_TYPES.pods, pod!.metadata!.name!, { namespace: NS });
      return (p.metadata?.ownerReferences ?? []).length === 0;
    });
    await settled('web', 1);
    const names = (await podsOf('app=web')).map((p) => p.metadata?.name);
    assert.ok(!names.includes(pod!.metadata!.name!));
  });

  it('adopts a matching orphan instead of creating a pod for it', async () => {
    const orphan = await client.create<Pod>(RESOURCE_TYPES.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: NS, labels: { app: 'adopter' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const rs = await client.create<ReplicaSet>(RESOURCE_TYPES.replicasets, replicaSet('adopter', 2));
    const settledRs = await settled('adopter', 2);
    const pod = await client.get<Pod>(RESOURCE_TYPES.pods, orphan.metadata!.name!, { namespace: NS });
    assert.deepEqual(pod.metadata?.ownerReferences?.map((r) => [r.kind, r.uid, r.controller, r.blockOwnerDeletion]), [['ReplicaSet', rs.metadata!.uid, true, true]]);
    // The orphan lacks the template's tier label: it counts, but not as fully labeled.
    assert.equal(settledRs.status?.fullyLabeledReplicas, 1);
  });

  it('counts a pod available only after minReadySeconds', async () => {
    // Long enough that a loaded CI machine cannot let it pass unseen between two polls.
    await client.create<ReplicaSet>(RESOURCE_TYPES.replicasets, replicaSet('slow', 2, { minReadySeconds: 4 }));
    const ready = await waitFor('ready pods', async () => {
      const rs = await getRs('slow');
      return (rs.status?.readyReplicas ?? 0) === 2 && rs;
    });
    assert.ok((ready.status?.availableReplicas ?? 0) < 2, 'not available yet right after becoming ready');
    await settled('slow', 2);
  });

  it('does not count pods that are being deleted or finished', async () => {
    await client.create<ReplicaSet>(RESOURCE_TYPES.replicasets, replicaSet('finish', 2));
    await settled('finish', 2);
    const [pod] = await podsOf('app=finish');
    await sim.markFailed(NS, pod!.metadata!.name!);
    await waitFor('a replacement for the failed pod', async () => {
      const pods = await podsOf('app=finish');
      return pods.length === 2 && !pods.some((p) => p.metadata?.name === pod!.metadata?.name);
    });
    const rs = await settled('finish', 2);
    assert.equal(rs.status?.replicas, 2);
    const failed = await client.get<Pod>(RESOURCE_TYPES.pods, pod!.metadata!.name!, { namespace: NS });
    assert.equal(failed.status?.phase, 'Failed', 'a finished pod is left for the pod GC, not deleted');
  });
});

describe('ReplicationController controller', () => {
  it('keeps replicas of the older kind with its map selector', async () => {
    const rc = await client.create<ReplicationController>(RESOURCE_TYPES.replicationcontrollers, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: NS },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const done = await waitFor('the rc settled', async () => {
      const got = await client.get<ReplicationController>(RESOURCE_TYPES.replicationcontrollers, 'legacy', { namespace: NS });
      const pods = await podsOf('app=legacy');
      return pods.length === 2 && got.status?.readyReplicas === 2 && got.status.availableReplicas === 2 && got;
    });
    assert.equal(done.status?.replicas, 2);
    for (const pod of await podsOf('app=legacy')) {
      assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicationController');
      assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, rc.metadata?.uid);
      assert.match(pod.metadata!.name!, /^legacy-/);
    }
    await client.patch(RESOURCE_TYPES.replicationcontrollers, 'legacy', 'merge', { spec: { replicas: 0 } }, { namespace: NS });
    await waitFor('the rc scaled to zero', async () => (await podsOf('app=legacy')).length === 0);
  });
});

describe('controller manager leader election', () => {
  it('runs controllers only in the Lease holder, and hands over when it stops', { timeout: 120_000 }, async () => {
    const cluster = await startCluster();
    const admin = cluster.client;
    const transport = cluster.transport(CONTROLLER_MANAGER);
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };
    const a = await startControllerManager({ transport, logger: silentLogger, controllers: ['replicaset'], leaderElection: { identity: 'cm-a', ...timings } });
    await waitFor('a leader', async () => a.isLeader());
    const b = await startControllerManager({ transport, logger: silentLogger, controllers: ['replicaset'], leaderElection: { identity: 'cm-b', ...timings } });
    const lease = await admin.get<Lease>(RESOURCE_TYPES.leases, 'kube-controller-manager', { namespace: 'kube-system' });
    assert.equal(lease.spec?.holderIdentity, 'cm-a');
    assert.equal(b.isLeader(), false);
    assert.equal(b.healthy(), true, 'a standby is healthy');

    await admin.create<ReplicaSet>(RESOURCE_TYPES.replicasets, replicaSet('elected', 2));
    await waitFor('pods from the leader', async () => (await admin.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: 'app=elected' })).items.length === 2);

    await a.stop();
    await waitFor('the hand-over', async () => b.isLeader());
    const after = await admin.get<Lease>(RESOURCE_TYPES.leases, 'kube-controller-manager', { namespace: 'kube-system' });
    assert.equal(after.spec?.holderIdentity, 'cm-b');
    await admin.patch(RESOURCE_TYPES.replicasets, 'elected', 'merge', { spec: { replicas: 3 } }, { namespace: NS });
    await waitFor('pods from the new leader', async () => (await admin.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: 'app=elected' })).items.length === 3);
    await b.stop();
  });
});
