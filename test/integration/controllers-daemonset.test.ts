/**
 * The DaemonSet controller on an in-process cluster, alone (no scheduler: a small binder
 * in this file binds each pod to the node its required affinity names, as the scheduler
 * would; the node simulator's round-robin binding would be wrong for daemon pods), with
 * the node simulator marking pods Running and Ready: one pod per node pinned by affinity,
 * nodes joining and leaving, nodeSelector and taints, failed pods replaced, rolling
 * updates within maxUnavailable / maxSurge at every observed pod event, OnDelete,
 * ControllerRevisions with their history limit, and the status fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { InformerFactory, RESOURCE_TYPES, WorkQueue, isNotFound, objectKey, runController, type Client, type RunningController } from '../../src/client/index.js';
import { startDaemonSetController } from '../../src/controllers/daemonset/daemonset-controller.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const HASH = 'controller-revision-hash';
let cluster: InProcessCluster;
let client: Client;
let controller: RunningController;
let sim: NodeSimulator;
let binder: { stop(): Promise<void> };
const extraSims: NodeSimulator[] = [];

/** The node a pending daemon pod is pinned to by `matchFields metadata.name In [node]`. */
function pinnedNode(pod: Pod): string | undefined {
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** Plays the scheduler for daemon pods: binds each through pods/binding to its pinned node. */
function startBinder(c: Client): { stop(): Promise<void> } {
  const informers = new InformerFactory(c, { logger: silentLogger });
  const informer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const lister = informer.lister();
  const queue = new WorkQueue<string>();
  const enqueue = (pod: Pod) => {
    if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && pinnedNode(pod)) queue.add(objectKey(pod));
  };
  informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, p) => enqueue(p) });
  const running = runController({
    name: 'test-binder',
    queue,
    workers: 4,
    waitFor: [informers],
    logger: silentLogger,
    async reconcile(key) {
      const pod = lister.get(key);
      const node = pod && pinnedNode(pod);
      if (!pod || !node || pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return;
      const { name, namespace } = pod.metadata as { name: string; namespace: string };
      try {
        await c.createSubresource(RESOURCE_TYPES.pods, name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } }, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  });
  informers.start();
  return {
    async stop() {
      await running.stop();
      await informers.stop();
    },
  };
}

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-ds', user: 'test-admin' });
  client = cluster.client;
  // Pods labelled ready=manual are left Pending until the test marks them Ready itself.
  sim = await NodeSimulator.start({ client, nodes: 3, bind: false, autoReady: (pod) => pod.metadata?.labels?.['ready'] !== 'manual' });
  binder = startBinder(client);
  controller = startDaemonSetController({ client, informers: cluster.informers, logger: silentLogger, failedPodBackoff: { initialMs: 200, maxMs: 2_000 } });
  cluster.informers.start();
  assert.equal(await controller.started, true);
});

after(async () => {
  await controller?.stop();
  await binder?.stop();
  for (const s of extraSims) await s.stop();
  await sim?.stop();
  await cluster?.stop();
});

function daemonSet(name: string, extra: Partial<NonNullable<DaemonSet['spec']>> = {}, podSpec: Partial<NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }], ...podSpec } },
      ...extra,
    },
  };
}

const getDs = (name: string) => client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, name, { namespace: NS });
const live = (p: Pod) => !p.metadata?.deletionTimestamp;
const podsOf = async (name: string) => (await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: `app=${name}` })).items.filter(live);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Waits until the DaemonSet runs one ready pod on exactly `nodes` and its status says so. */
async function settled(name: string, nodes: string[]): Promise<{ ds: DaemonSet; pods: Pod[] }> {
  return waitFor(`${name} on ${nodes.join(',')}`, async () => {
    const ds = await getDs(name);
    const pods = await podsOf(name);
    const on = pods.map((p) => p.spec?.nodeName ?? '').sort();
    const s = ds.status;
    const ok =
      JSON.stringify(on) === JSON.stringify([...nodes].sort()) &&
      pods.every(isReady) &&
      s?.observedGeneration === ds.metadata?.generation &&
      s?.desiredNumberScheduled === nodes.length &&
      s?.currentNumberScheduled === nodes.length &&
      s?.numberReady === nodes.length &&
      (s?.numberAvailable ?? 0) === nodes.length &&
      (s?.updatedNumberScheduled ?? 0) === nodes.length;
    return ok && { ds, pods };
  });
}

async function setTemplateImage(name: string, image: string): Promise<void> {
  await client.patch(RESOURCE_TYPES.daemonsets, name, 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, { namespace: NS });
}

const revisionsOf = async (ds: DaemonSet) =>
  (await client.list<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, { namespace: NS })).items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid)).sort((a, b) => a.revision - b.revision);

describe('DaemonSet controller', () => {
  it('runs one pod per node, pinned to it by required node affinity, and reports status', async () => {
    const created = await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('agent'));
    const { ds, pods } = await settled('agent', sim.nodeNames);
    for (const pod of pods) {
      assert.match(pod.metadata!.name!, /^agent-[a-z0-9]{5}$/);
      assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec!.nodeName!] }] }] });
      assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: created.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
      const tolerations = pod.spec?.tolerations ?? [];
      assert.ok(tolerations.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.tolerationSeconds === undefined));
      assert.ok(tolerations.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    }
    const revisions = await revisionsOf(ds);
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0]!.revision, 1);
    assert.equal(revisions[0]!.metadata?.name, `agent-${revisions[0]!.metadata?.labels?.[HASH]}`);
    for (const pod of pods) assert.equal(pod.metadata?.labels?.[HASH], revisions[0]!.metadata?.labels?.[HASH]);
    assert.deepEqual(
      { ...ds.status, observedGeneration: undefined },
      { currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: undefined },
    );
  });

  it('adds a pod when a node joins and removes it when the node leaves', async () => {
    const late = await NodeSimulator.start({ client, nodes: ['late-0'], bind: false });
    extraSims.push(late);
    await settled('agent', [...sim.nodeNames, 'late-0']);
    const onLate = (await podsOf('agent')).find((p) => p.spec?.nodeName === 'late-0')!;
    await client.delete(RESOURCE_TYPES.nodes, 'late-0');
    await settled('agent', sim.nodeNames);
    await waitFor('the pod of the removed node gone', async () => {
      try {
        await client.get<Pod>(RESOURCE_TYPES.pods, onLate.metadata!.name!, { namespace: NS });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
  });

  it('runs only on nodes matching its nodeSelector, following label changes', async () => {
    const [n0, n1] = sim.nodeNames as [string, string];
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('picky', {}, { nodeSelector: { 'example.com/role': 'edge' } }));
    await client.patch(RESOURCE_TYPES.nodes, n0, 'merge', { metadata: { labels: { 'example.com/role': 'edge' } } });
    await settled('picky', [n0]);
    await client.patch(RESOURCE_TYPES.nodes, n1, 'merge', { metadata: { labels: { 'example.com/role': 'edge' } } });
    await settled('picky', [n0, n1]);
    await client.patch(RESOURCE_TYPES.nodes, n0, 'merge', { metadata: { labels: { 'example.com/role': null } } });
    await settled('picky', [n1]);
  });

  it('keeps off nodes with taints it does not tolerate, and counts a pod left behind as misscheduled', async () => {
    const [n0, n1, n2] = sim.nodeNames as [string, string, string];
    const taint = { key: 'example.com/dedicated', value: 'db', effect: 'NoSchedule' };
    await client.patch(RESOURCE_TYPES.nodes, n2, 'merge', { spec: { taints: [taint] } });
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('plain'));
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('tolerant', {}, { tolerations: [{ key: 'example.com/dedicated', operator: 'Exists', effect: 'NoSchedule' }] }));
    await settled('plain', [n0, n1]);
    await settled('tolerant', [n0, n1, n2]);

    // A NoSchedule taint added later keeps the running pod but stops counting it as wanted.
    await client.patch(RESOURCE_TYPES.nodes, n1, 'merge', { spec: { taints: [taint] } });
    const ds = await waitFor('plain misscheduled on the newly tainted node', async () => {
      const got = await getDs('plain');
      return got.status?.numberMisscheduled === 1 && got.status.desiredNumberScheduled === 1 && got;
    });
    assert.equal(ds.status?.currentNumberScheduled, 1);
    assert.equal((await podsOf('plain')).length, 2, 'NoSchedule does not evict');

    // NoExecute evicts.
    await client.patch(RESOURCE_TYPES.nodes, n1, 'merge', { spec: { taints: [{ ...taint, effect: 'NoExecute' }] } });
    await settled('plain', [n0]);
    for (const n of [n1, n2]) await client.patch(RESOURCE_TYPES.nodes, n, 'merge', { spec: { taints: null } });
    await settled('plain', [n0, n1, n2]);
  });

  it('replaces a failed pod', async () => {
    const [victim] = await podsOf('agent');
    await sim.markFailed(NS, victim!.metadata!.name!);
    const { pods } = await waitFor('a replacement on the same node', async () => {
      const r = await settled('agent', sim.nodeNames);
      return !r.pods.some((p) => p.metadata?.name === victim!.metadata?.name) && r;
    });
    assert.ok(pods.some((p) => p.spec?.nodeName === victim!.spec?.nodeName));
  });

  it('rolls out a new template never exceeding maxUnavailable, recording revisions', async () => {
    const name = 'rolling';
    const nodes = [...sim.nodeNames];
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet(name, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, revisionHistoryLimit: 1 }));
    await settled(name, nodes);

    // Every pod event: how many nodes lack a ready, non-terminating pod of the set.
    let maxUnavailable = 0;
    const observer = new InformerFactory(client, { logger: silentLogger });
    const informer = observer.informerFor<Pod>(RESOURCE_TYPES.pods, { labelSelector: `app=${name}` });
    const observe = () => {
      const readyOn = new Set(informer.lister().list().filter((p) => live(p) && isReady(p)).map((p) => p.spec?.nodeName));
      maxUnavailable = Math.max(maxUnavailable, nodes.filter((n) => !readyOn.has(n)).length);
    };
    informer.addEventHandler({ onAdd: observe, onUpdate: observe, onDelete: observe });
    observer.start();
    await observer.waitForCacheSync();

    try {
      // New pods wait to be marked ready by hand, so an unready new pod holds the rollout.
      await client.patch(RESOURCE_TYPES.daemonsets, name, 'merge', { spec: { template: { metadata: { labels: { app: name, ready: 'manual' } }, spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, { namespace: NS });
      for (let step = 1; step <= nodes.length; step++) {
        const fresh = await waitFor(`new pod ${step}`, async () => {
          const pending = (await podsOf(name)).filter((p) => p.metadata?.labels?.['ready'] === 'manual' && p.spec?.nodeName && !isReady(p));
          return pending.length === 1 && pending[0];
        });
        const old = (await podsOf(name)).filter((p) => p.metadata?.labels?.['ready'] !== 'manual');
        assert.equal(old.length, nodes.length - step, `only one old pod replaced at a time (step ${step})`);
        await waitFor('the status showing one node unavailable', async () => (await getDs(name)).status?.numberUnavailable === 1);
        await sim.markReady(NS, fresh.metadata!.name!);
      }
      const { ds, pods } = await settled(name, nodes);
      assert.equal(maxUnavailable, 1, 'at most maxUnavailable nodes without a ready pod at any observed instant');
      assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:2'));

      const revisions = await revisionsOf(ds);
      assert.deepEqual(revisions.map((r) => r.revision), [1, 2]);
      for (const pod of pods) assert.equal(pod.metadata?.labels?.[HASH], revisions[1]!.metadata?.labels?.[HASH]);
      assert.deepEqual((revisions[1]!.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');

      // revisionHistoryLimit 1: after another update only the newest old revision remains.
      await client.patch(RESOURCE_TYPES.daemonsets, name, 'merge', { spec: { template: { metadata: { labels: { app: name, ready: null } }, spec: { containers: [{ name: 'c', image: 'busybox:3' }] } } } }, { namespace: NS });
      const third = await settled(name, nodes);
      const trimmed = await waitFor('history trimmed', async () => {
        const rs = await revisionsOf(third.ds);
        return rs.length === 2 && rs;
      });
      assert.deepEqual(trimmed.map((r) => r.revision), [2, 3]);
    } finally {
      await observer.stop();
    }
  });

  it('surges with maxSurge: a new pod beside the old one, never a node without a ready pod', async () => {
    const name = 'surge';
    const nodes = [...sim.nodeNames];
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet(name, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
    await settled(name, nodes);
    let maxUnavailable = 0;
    let maxPods = 0;
    const observer = new InformerFactory(client, { logger: silentLogger });
    const informer = observer.informerFor<Pod>(RESOURCE_TYPES.pods, { labelSelector: `app=${name}` });
    const observe = () => {
      const all = informer.lister().list().filter(live);
      const readyOn = new Set(all.filter(isReady).map((p) => p.spec?.nodeName));
      maxUnavailable = Math.max(maxUnavailable, nodes.filter((n) => !readyOn.has(n)).length);
      maxPods = Math.max(maxPods, all.length);
    };
    informer.addEventHandler({ onAdd: observe, onUpdate: observe, onDelete: observe });
    observer.start();
    await observer.waitForCacheSync();
    try {
      await setTemplateImage(name, 'busybox:2');
      const { pods } = await settled(name, nodes);
      assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'busybox:2'));
      assert.equal(maxUnavailable, 0, 'every node kept a ready pod');
      assert.equal(maxPods, nodes.length + 1, 'one surge pod at a time');
    } finally {
      await observer.stop();
    }
  });

  it('with OnDelete replaces pods only when they are deleted', async () => {
    const name = 'ondelete';
    const nodes = [...sim.nodeNames];
    await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet(name, { updateStrategy: { type: 'OnDelete' } }));
    const before = await settled(name, nodes);
    await setTemplateImage(name, 'busybox:2');
    const ds = await waitFor('the new generation observed', async () => {
      const got = await getDs(name);
      return got.status?.observedGeneration === got.metadata?.generation && got;
    });
    assert.equal(ds.status?.updatedNumberScheduled ?? 0, 0);
    assert.deepEqual((await podsOf(name)).map((p) => p.metadata?.name).sort(), before.pods.map((p) => p.metadata?.name).sort());

    const victim = before.pods[0]!;
    await client.delete(RESOURCE_TYPES.pods, victim.metadata!.name!, { namespace: NS });
    const after = await waitFor('one updated pod', async () => {
      const got = await getDs(name);
      return got.status?.updatedNumberScheduled === 1 && got.status.numberReady === nodes.length && got;
    });
    assert.equal(after.status?.currentNumberScheduled, nodes.length);
    const replacement = (await podsOf(name)).find((p) => p.spec?.nodeName === victim.spec?.nodeName)!;
    assert.equal(replacement.spec?.containers[0]?.image, 'busybox:2');
  });

  it('creates a pod per node for a hostNetwork DaemonSet on a network-unavailable node', async () => {
    const [, , n2] = sim.nodeNames as [string, string, string];
    await client.patch(RESOURCE_TYPES.nodes, n2, 'merge', { spec: { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] } });
    try {
      await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('hostnet', {}, { hostNetwork: true }));
      await client.create<DaemonSet>(RESOURCE_TYPES.daemonsets, daemonSet('podnet'));
      await settled('hostnet', sim.nodeNames);
      await settled('podnet', sim.nodeNames.filter((n) => n !== n2));
    } finally {
      await client.patch(RESOURCE_TYPES.nodes, n2, 'merge', { spec: { taints: null } });
    }
  });
});
