/**
 * The node IPAM and node lifecycle controllers on an in-process cluster (API server on
 * SQLite in a temp dir), each alone on its own informers. The test plays the kubelets:
 * it creates Nodes and their kube-node-lease Leases and renews them, while a FakeClock
 * given to the lifecycle controller stands in for the minutes upstream waits.
 * IPAM: distinct ranges, exhaustion event, release on delete, no double allocation
 * after a restart. Lifecycle: all nodes silent (full disruption) gets Unknown and
 * NoSchedule taints but no evictions; one node back makes the other unreachable with the
 * NoExecute taint, its pods marked not ready and evicted as their tolerations say; an
 * untolerated custom NoExecute taint evicts at once; the node back removes the taints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, isNotFound, type RunningController } from '../../src/client/index.js';
import { startNodeIpamController } from '../../src/controllers/node-ipam/node-ipam-controller.js';
import { startNodeLifecycleController } from '../../src/controllers/node-lifecycle/node-lifecycle-controller.js';
import { FakeClock } from '../../src/util/clock-fake.js';
import { formatMicroTime, formatTime } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const CONTROLLER_MANAGER = 'system:kube-controller-manager';
let cluster: InProcessCluster;
let client: Client;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-nodelifecycle', user: 'test-admin', users: [CONTROLLER_MANAGER] });
  client = cluster.client;
});

after(async () => {
  await cluster?.stop();
});

function controllerClient(): Client {
  return new Client(cluster.transport(CONTROLLER_MANAGER), { fieldManager: 'kube-controller-manager' });
}

const getNode = (name: string) => client.get<Node>(RESOURCE_TYPES.nodes, name);
const getPod = (name: string) => client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace: NS });

async function deleteQuietly(type: (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES], name: string, namespace?: string): Promise<void> {
  try {
    await client.delete(type, name, { ...(namespace ? { namespace } : {}), gracePeriodSeconds: 0 });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

describe('node IPAM controller', () => {
  const CLUSTER_CIDR = '10.99.0.0/22'; // four /24 ranges: easy to exhaust
  const names: string[] = [];

  async function startIpam(): Promise<{ stop(): Promise<void> }> {
    const c = controllerClient();
    const informers = new InformerFactory(c, { logger: silentLogger });
    const controller: RunningController = startNodeIpamController({ client: c, informers, logger: silentLogger, clusterCidr: CLUSTER_CIDR, nodeCidrMaskSize: 24 });
    informers.start();
    assert.equal(await controller.started, true);
    return {
      async stop() {
        await controller.stop();
        await informers.stop();
      },
    };
  }

  async function createNode(name: string): Promise<void> {
    names.push(name);
    await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  }

  const podCidr = (name: string) =>
    waitFor(`${name} has a pod CIDR`, async () => {
      const node = await getNode(name);
      return node.spec?.podCIDR ? node : undefined;
    });

  after(async () => {
    for (const name of names) await deleteQuietly(RESOURCE_TYPES.nodes, name);
  });

  it('gives distinct ranges, reports exhaustion, reuses released ranges and survives a restart', async () => {
    let ipam = await startIpam();
    for (let i = 0; i < 4; i++) await createNode(`ipam-${i}`);
    const first = await Promise.all([0, 1, 2, 3].map((i) => podCidr(`ipam-${i}`)));
    const ranges = first.map((n) => n.spec!.podCIDR!);
    assert.equal(new Set(ranges).size, 4, `distinct ranges: ${ranges.join(' ')}`);
    for (const node of first) {
      assert.match(node.spec!.podCIDR!, /^10\.99\.[0-3]\.0\/24$/);
      assert.deepEqual(node.spec!.podCIDRs, [node.spec!.podCIDR]);
    }

    // The pool is empty: the fifth node waits, with an event saying why.
    await createNode('ipam-4');
    await waitFor('CIDRNotAvailable event', async () => {
      const events = await client.list<Event>(RESOURCE_TYPES.events, { namespace: NS });
      return events.items.find((e) => e.involvedObject.name === 'ipam-4' && e.reason === 'CIDRNotAvailable');
    });
    assert.equal((await getNode('ipam-4')).spec?.podCIDR, undefined);

    // Deleting a node frees its range for the waiting one.
    await client.delete(RESOURCE_TYPES.nodes, 'ipam-0');
    assert.equal((await podCidr('ipam-4')).spec!.podCIDR, ranges[0]);

    // A restarted controller learns the ranges in use and hands none out twice.
    await ipam.stop();
    ipam = await startIpam();
    await createNode('ipam-5');
    await createNode('ipam-6');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await getNode('ipam-5')).spec?.podCIDR, undefined, 'no range is free after the restart');
    await client.delete(RESOURCE_TYPES.nodes, 'ipam-1');
    const fifth = await waitFor('one waiting node gets the freed range', async () => {
      const nodes = await Promise.all(['ipam-5', 'ipam-6'].map(getNode));
      return nodes.find((n) => n.spec?.podCIDR);
    });
    assert.equal(fifth.spec!.podCIDR, ranges[1]);
    const all = (await client.list<Node>(RESOURCE_TYPES.nodes)).items.filter((n) => n.metadata!.name!.startsWith('ipam-') && n.spec?.podCIDR);
    assert.equal(new Set(all.map((n) => n.spec!.podCIDR)).size, all.length, 'no range given twice');
    await ipam.stop();
  });
});

describe('node lifecycle controller', () => {
  const GRACE_MS = 50_000;
  const STEP_MS = 10_000;
  let clock: FakeClock;
  let controller: RunningController;
  let informers: InformerFactory;
  const leaseNames = ['life-a', 'life-b'];

  const readyCondition = (node: Node) => node.status?.conditions?.find((c) => c.type === 'Ready');
  const taintKeys = (node: Node) => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

  /** The kubelet posting Ready with a fresh heartbeat. */
  async function postReady(name: string): Promise<void> {
    const node = await getNode(name);
    const iso = formatTime(clock.now());
    const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    await client.updateStatus<Node>(RESOURCE_TYPES.nodes, {
      ...node,
      status: { ...node.status, conditions: [...others, { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso, lastTransitionTime: iso }] },
    });
  }

  /** The kubelet renewing its lease; waits until the controller's cache has it. */
  async function renewLease(name: string): Promise<void> {
    const renewTime = formatMicroTime(clock.now());
    await client.patch(RESOURCE_TYPES.leases, name, 'merge', { spec: { renewTime } }, { namespace: 'kube-node-lease' });
    const leases = informers.informerFor<Lease>(RESOURCE_TYPES.leases, { namespace: 'kube-node-lease' }).lister();
    await waitFor(`cache has ${name} lease renewal`, () => leases.get(`kube-node-lease/${name}`)?.spec?.renewTime === renewTime);
  }

  /** Moves time on in steps, renewing `alive` nodes' leases before each. */
  async function elapse(ms: number, alive: string[]): Promise<void> {
    for (let left = ms; left > 0; left -= STEP_MS) {
      for (const name of alive) await renewLease(name);
      await clock.advance(Math.min(STEP_MS, left));
    }
  }

  async function createPod(name: string, nodeName: string, tolerations: Toleration[] = []): Promise<void> {
    await client.create<Pod>(RESOURCE_TYPES.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS },
      spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], tolerations },
    });
    const pod = await getPod(name);
    const iso = formatTime(Date.now());
    await client.updateStatus<Pod>(RESOURCE_TYPES.pods, { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso }] } }, { namespace: NS });
  }

  // No kubelet finishes the deletion, so an evicted pod stays with its deletionTimestamp.
  const evicted = (name: string) =>
    waitFor(`${name} evicted`, async () => {
      const pod = await getPod(name);
      return pod.metadata?.deletionTimestamp ? pod : undefined;
    });

  async function notDeleted(name: string): Promise<Pod> {
    const pod = await getPod(name);
    assert.equal(pod.metadata?.deletionTimestamp, undefined, `${name} must not be deleted`);
    return pod;
  }

  before(async () => {
    clock = new FakeClock(Date.now());
    for (const name of leaseNames) {
      await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
      await postReady(name);
      await client.create<Lease>(RESOURCE_TYPES.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: formatMicroTime(clock.now()) },
      });
    }
    await createPod('on-b-default', 'life-b'); // gets the 300 s default tolerations from admission
    await createPod('on-b-short', 'life-b', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
    await createPod('on-b-forever', 'life-b', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await createPod('on-a', 'life-a');

    const c = controllerClient();
    informers = new InformerFactory(c, { logger: silentLogger });
    controller = startNodeLifecycleController({ client: c, informers, logger: silentLogger, clock, nodeMonitorGracePeriodMs: GRACE_MS });
    informers.start();
    assert.equal(await controller.started, true);
  });

  after(async () => {
    await controller?.stop();
    await informers?.stop();
    for (const name of ['on-b-default', 'on-b-short', 'on-b-forever', 'on-a', 'intolerant', 'tolerant']) await deleteQuietly(RESOURCE_TYPES.pods, name, NS);
    for (const name of leaseNames) await deleteQuietly(RESOURCE_TYPES.nodes, name);
  });

  it('keeps heartbeating nodes Ready and untainted', async () => {
    await elapse(GRACE_MS + STEP_MS, leaseNames);
    for (const name of leaseNames) {
      const node = await getNode(name);
      assert.equal(readyCondition(node)?.status, 'True');
      assert.deepEqual(taintKeys(node), []);
    }
  });

  it('marks every silent node Unknown but evicts nothing when all zones are fully disrupted', async () => {
    await elapse(GRACE_MS + 2 * STEP_MS, []);
    for (const name of leaseNames) {
      const node = await waitFor(`${name} Unknown`, async () => {
        const n = await getNode(name);
        return readyCondition(n)?.status === 'Unknown' && taintKeys(n).includes('node.kubernetes.io/unreachable:NoSchedule') ? n : undefined;
      });
      const ready = readyCondition(node)!;
      assert.equal(ready.reason, 'NodeStatusUnknown');
      assert.equal(ready.message, 'Kubelet stopped posting node status.');
      assert.equal(node.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
      assert.deepEqual(taintKeys(node), ['node.kubernetes.io/unreachable:NoSchedule'], 'no NoExecute taint in full disruption');
    }
    await waitFor('pods marked not ready', async () => {
      const pod = await getPod('on-b-forever');
      return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False';
    });
    await elapse(2 * STEP_MS, []);
    await notDeleted('on-b-short');
  });

  it('taints the still-silent node unreachable once another is back, and evicts by toleration', async () => {
    await postReady('life-a');
    await renewLease('life-a');
    await waitFor('life-a untainted', async () => taintKeys(await getNode('life-a')).length === 0);
    // The zone is Normal again (one of two ready): life-b, already Unknown, is tainted at the healthy rate.
    await clock.advance(1000);
    const node = await waitFor('life-b unreachable NoExecute', async () => {
      const n = await getNode('life-b');
      return taintKeys(n).includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
    });
    assert.deepEqual(taintKeys(node), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    assert.ok(node.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded, 'NoExecute taint has timeAdded');

    // Tolerated for 30 s: still there at once, gone after.
    await notDeleted('on-b-short');
    await elapse(3 * STEP_MS + 1000, ['life-a']);
    const short = await evicted('on-b-short');
    const disruption = short.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(disruption?.reason, 'DeletionByTaintManager');
    await notDeleted('on-b-default');

    // The admission default is 300 s.
    await elapse(300_000 - 3 * STEP_MS, ['life-a']);
    await evicted('on-b-default');
    await notDeleted('on-b-forever');
    await notDeleted('on-a');
  });

  it('evicts at once a pod that does not tolerate a NoExecute taint', async () => {
    await createPod('intolerant', 'life-a');
    await createPod('tolerant', 'life-a', [{ key: 'example.com/drain', operator: 'Exists', effect: 'NoExecute' }]);
    const node = await getNode('life-a');
    await client.update<Node>(RESOURCE_TYPES.nodes, { ...node, spec: { ...node.spec, taints: [...(node.spec?.taints ?? []), { key: 'example.com/drain', effect: 'NoExecute' }] } });
    await evicted('intolerant');
    await notDeleted('tolerant');
    const after = await getNode('life-a');
    await client.update<Node>(RESOURCE_TYPES.nodes, { ...after, spec: { ...after.spec, taints: (after.spec?.taints ?? []).filter((t) => t.key !== 'example.com/drain') } });
  });

  it('removes the taints when the node is Ready again', async () => {
    await postReady('life-b');
    await renewLease('life-b');
    await clock.advance(STEP_MS);
    const node = await waitFor('life-b untainted', async () => {
      const n = await getNode('life-b');
      return taintKeys(n).length === 0 ? n : undefined;
    });
    assert.equal(readyCondition(node)?.status, 'True');
    await notDeleted('on-b-forever');
  });
});
