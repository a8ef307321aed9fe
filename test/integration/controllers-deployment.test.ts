/**
 * The Deployment controller on an in-process cluster with the node simulator playing
 * the nodes: a Deployment gets a `<name>-<pod-template-hash>` ReplicaSet and pods; a
 * rolling update never has more than replicas+maxSurge pods nor fewer than
 * replicas−maxUnavailable ready ones at any observed pod event; Recreate removes every
 * old pod before the first new one; rollback (kubectl's client-side undo) reuses the old
 * ReplicaSet under a new revision; revisionHistoryLimit prunes; pause holds a rollout;
 * a stuck rollout reports ProgressDeadlineExceeded; a resize mid-rollout is proportional.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCE_TYPES, type Client } from '../../src/client/index.js';
import { startControllerManager, type ControllerManager } from '../../src/controllers/manager.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor as waitUntil } from '../support/wait.js';

const NS = 'default';
let cluster: InProcessCluster;
let manager: ControllerManager;
let sim: NodeSimulator;
let client: Client;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-deploy', user: 'test-admin', users: ['system:kube-controller-manager'] });
  client = cluster.client;
  manager = await startControllerManager({ transport: cluster.transport('system:kube-controller-manager'), logger: silentLogger });
  // Pods labelled sim-ready=false are bound but never become ready: a stuck rollout.
  sim = await NodeSimulator.start({ client, nodes: 3, bind: true, autoReady: (pod) => pod.metadata?.labels?.['sim-ready'] !== 'false' });
});

after(async () => {
  await sim?.stop();
  await manager?.stop();
  await cluster?.stop();
});

const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> => waitUntil(what, check, 60_000);

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function deployment(name: string, replicas: number, spec: Partial<NonNullable<Deployment['spec']>> = {}, labels: Record<string, string> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
      ...spec,
    },
  };
}

const getD = (name: string) => client.get<Deployment>(RESOURCE_TYPES.deployments, name, { namespace: NS });
const rsOf = async (name: string) => (await client.list<ReplicaSet>(RESOURCE_TYPES.replicasets, { namespace: NS, labelSelector: `app=${name}` })).items;
const setImage = (name: string, image: string) => client.patch(RESOURCE_TYPES.deployments, name, 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, { namespace: NS });
const condition = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

/** The rollout is done, as `kubectl rollout status` judges it. */
async function rolledOut(name: string): Promise<Deployment> {
  return waitFor(`${name} rolled out`, async () => {
    const d = await getD(name);
    const want = d.spec?.replicas ?? 0;
    const s = d.status ?? {};
    return (
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      (s.updatedReplicas ?? 0) === want &&
      (s.replicas ?? 0) === want &&
      (s.availableReplicas ?? 0) === want &&
      condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
      d
    );
  });
}

/** Lists then watches the pods of `app`, calling `check` with the live set after every event. */
async function watchPods(app: string, check: (pods: Map<string, Pod>, event: { type: string; pod: Pod }) => void): Promise<{ stop(): void; errors: string[]; events: () => number }> {
  const list = await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: `app=${app}` });
  const pods = new Map(list.items.map((p) => [p.metadata!.name!, p]));
  const errors: string[] = [];
  let stopped = false;
  let events = 0;
  const stream = client.watch<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: `app=${app}`, resourceVersion: list.metadata.resourceVersion! });
  void (async () => {
    try {
      for await (const ev of stream) {
        if (ev.type === 'BOOKMARK') continue;
        events++;
        const pod = ev.object;
        if (ev.type === 'DELETED') pods.delete(pod.metadata!.name!);
        else pods.set(pod.metadata!.name!, pod);
        try {
          check(pods, { type: ev.type, pod });
        } catch (err) {
          errors.push(String(err));
        }
      }
    } catch (err) {
      if (!stopped) errors.push(`watch ended: ${String(err)}`);
    }
  })();
  return {
    errors,
    events: () => events,
    stop() {
      stopped = true;
      stream.close();
    },
  };
}

describe('Deployment controller', () => {
  it('creates a ReplicaSet named by the pod-template-hash, and its pods', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('web', 3));
    const d = await rolledOut('web');
    const [rs, ...more] = await rsOf('web');
    assert.equal(more.length, 0);
    const hash = rs!.metadata!.labels!['pod-template-hash']!;
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs!.metadata?.name, `web-${hash}`);
    assert.equal(rs!.spec?.selector?.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs!.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs!.metadata?.ownerReferences?.[0]?.uid, d.metadata?.uid);
    assert.equal(rs!.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs!.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs!.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const pods = (await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: `pod-template-hash=${hash}` })).items;
    assert.equal(pods.length, 3);
    assert.equal(condition(d, 'Available')?.status, 'True');
    assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(condition(d, 'Progressing')?.status, 'True');
    assert.match(condition(d, 'Progressing')?.message ?? '', /ReplicaSet "web-\w+" has successfully progressed\./);
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas, d.status?.availableReplicas, d.status?.unavailableReplicas], [3, 3, 3, 3, undefined]);
  });

  it('rolls an update within maxSurge and maxUnavailable at every observed instant', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('roll', 6, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } } }));
    await rolledOut('roll');
    let maxPods = 0;
    let minReady = Infinity;
    const watch = await watchPods('roll', (pods) => {
      const live = [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp);
      maxPods = Math.max(maxPods, live.length);
      minReady = Math.min(minReady, live.filter(isReady).length);
      assert.ok(live.length <= 6 + 2, `${live.length} pods exceed replicas+maxSurge`);
      assert.ok(live.filter(isReady).length >= 6 - 1, `only ${live.filter(isReady).length} ready pods`);
    });
    await setImage('roll', 'busybox:2');
    const d = await rolledOut('roll');
    watch.stop();
    assert.deepEqual(watch.errors, []);
    assert.ok(watch.events() > 0, 'pod events were observed');
    assert.ok(maxPods > 6, 'the rollout surged');
    assert.ok(minReady >= 5);
    const sets = await rsOf('roll');
    assert.equal(sets.length, 2);
    const newRs = sets.find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'busybox:2')!;
    const oldRs = sets.find((rs) => rs !== newRs)!;
    assert.equal(newRs.spec?.replicas, 6);
    assert.equal(oldRs.spec?.replicas, 0);
    assert.equal(newRs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('Recreate removes every old pod before creating a new one', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('recreate', 3, { strategy: { type: 'Recreate' } }));
    await rolledOut('recreate');
    const [oldRs] = await rsOf('recreate');
    const oldHash = oldRs!.metadata!.labels!['pod-template-hash']!;
    const watch = await watchPods('recreate', (pods, ev) => {
      if (ev.type !== 'ADDED' || ev.pod.metadata?.labels?.['pod-template-hash'] === oldHash) return;
      const oldLeft = [...pods.values()].filter((p) => p.metadata?.labels?.['pod-template-hash'] === oldHash);
      assert.equal(oldLeft.length, 0, `new pod ${ev.pod.metadata?.name} while ${oldLeft.length} old pods exist`);
    });
    await setImage('recreate', 'busybox:2');
    await rolledOut('recreate');
    watch.stop();
    assert.deepEqual(watch.errors, []);
  });

  it('rolls back as kubectl rollout undo does, reusing the old ReplicaSet under a new revision', async () => {
    const before = await rsOf('roll');
    const rev1 = before.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    // kubectl 1.32 undo: the old ReplicaSet's template without pod-template-hash, patched in.
    const template = structuredClone(rev1.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await client.patch(RESOURCE_TYPES.deployments, 'roll', 'json', [{ op: 'replace', path: '/spec/template', value: template }], { namespace: NS });
    const d = await rolledOut('roll');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    const after = await rsOf('roll');
    assert.equal(after.length, 2, 'no new ReplicaSet');
    const reused = after.find((rs) => rs.metadata?.name === rev1.metadata?.name)!;
    assert.equal(reused.spec?.replicas, 6);
    assert.equal(reused.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('history', 2, { revisionHistoryLimit: 1 }));
    await rolledOut('history');
    for (const tag of ['2', '3', '4']) {
      await setImage('history', `busybox:${tag}`);
      await rolledOut('history');
    }
    const sets = await waitFor('history pruned', async () => {
      const s = await rsOf('history');
      return s.length === 2 && s;
    });
    const revisions = sets.map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
  });

  it('holds a rollout while paused and resumes it', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('paused', 2));
    await rolledOut('paused');
    await client.patch(RESOURCE_TYPES.deployments, 'paused', 'merge', { spec: { paused: true } }, { namespace: NS });
    await setImage('paused', 'busybox:2');
    const held = await waitFor('the pause observed', async () => {
      const d = await getD('paused');
      return d.status?.observedGeneration === d.metadata?.generation && condition(d, 'Progressing')?.reason === 'DeploymentPaused' && d;
    });
    assert.equal(condition(held, 'Progressing')?.status, 'Unknown');
    assert.equal((await rsOf('paused')).length, 1, 'no new ReplicaSet while paused');
    await client.patch(RESOURCE_TYPES.deployments, 'paused', 'merge', { spec: { paused: false } }, { namespace: NS });
    const d = await rolledOut('paused');
    assert.equal((await rsOf('paused')).length, 2);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('reports ProgressDeadlineExceeded when pods never become ready', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('stuck', 2, { progressDeadlineSeconds: 2 }, { 'sim-ready': 'false' }));
    const d = await waitFor('the deadline', async () => {
      const got = await getD('stuck');
      return condition(got, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && got;
    });
    assert.equal(condition(d, 'Progressing')?.status, 'False');
    assert.match(condition(d, 'Progressing')?.message ?? '', /ReplicaSet "stuck-\w+" has timed out progressing\./);
    assert.equal(condition(d, 'Available')?.status, 'False');
    assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(d.status?.unavailableReplicas, 2);
  });

  it('spreads a resize during a stuck rollout proportionally over old and new ReplicaSets', async () => {
    await client.create(RESOURCE_TYPES.deployments, deployment('prop', 10, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut('prop');
    // The new template's pods never become ready: the rollout stops at old 8, new 5.
    await client.patch(
      RESOURCE_TYPES.deployments,
      'prop',
      'merge',
      { spec: { template: { metadata: { labels: { app: 'prop', 'sim-ready': 'false' } }, spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } },
      { namespace: NS },
    );
    const sizes = async () => {
      const sets = await rsOf('prop');
      const newRs = sets.find((rs) => rs.spec?.template?.metadata?.labels?.['sim-ready'] === 'false');
      const oldRs = sets.find((rs) => rs !== newRs);
      return [oldRs?.spec?.replicas, newRs?.spec?.replicas];
    };
    await waitFor('the stalled rollout', async () => jsonSame(await sizes(), [8, 5]));
    await client.patch(RESOURCE_TYPES.deployments, 'prop', 'merge', { spec: { replicas: 20 } }, { namespace: NS });
    // 23 allowed (20 + maxSurge 3): old 8 → round(8·23/13) = 14, new 5 → round(5·23/13) = 9.
    await waitFor('the proportional resize', async () => jsonSame(await sizes(), [14, 9]));
  });
});

const jsonSame = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
