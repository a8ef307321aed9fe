/**
 * The StatefulSet controller on an in-process cluster (API server on SQLite in a temp dir)
 * with the node simulator binding pods and marking them Ready (automatically, or by hand
 * for sets labelled manual=true so a test can prove ordering): OrderedReady and Parallel
 * creation, stable identity, per-ordinal PVCs kept across pod replacement and scale-down
 * (Retain) or removed (whenScaled=Delete, with the garbage collector running), scale-down
 * from the highest ordinal, rolling updates with a partition in reverse ordinal order,
 * OnDelete, failed pod replacement, status fields and ControllerRevisions; and
 * `kubectl rollout status/history/undo statefulset` with the real kubectl over HTTPS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { Client, HttpTransport, InformerFactory, RESOURCE_TYPES, deletedObject, type RunningController } from '../../src/client/index.js';
import { startGarbageCollector } from '../../src/controllers/garbage-collector/garbage-collector.js';
import { startStatefulSetController } from '../../src/controllers/statefulset/statefulset-controller.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { ok } from '../support/e2e-fixtures.js';

const NS = 'default';
let cluster: InProcessCluster;
let client: Client;
let sim: NodeSimulator;
let informers: InformerFactory;
let controllers: RunningController[] = [];
/** Names of pods in the order their deletion was observed. */
const deletions: string[] = [];

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-sts', user: 'test-admin' });
  client = cluster.client;
  informers = new InformerFactory(client, { logger: silentLogger });
  controllers = [startStatefulSetController({ client, informers, logger: silentLogger }), startGarbageCollector({ client, informers, logger: silentLogger })];
  informers.informerFor<Pod>(RESOURCE_TYPES.pods).addEventHandler({ onDelete: (p) => deletions.push(deletedObject(p).metadata!.name!) });
  informers.start();
  await informers.waitForCacheSync();
  sim = await NodeSimulator.start({ client, nodes: 2, bind: true, autoReady: (pod) => pod.metadata?.labels?.['manual'] !== 'true' });
});

after(async () => {
  await sim?.stop();
  for (const c of controllers) await c.stop();
  informers?.stop();
  await cluster?.stop();
});

function statefulSet(name: string, replicas: number, spec: Partial<NonNullable<StatefulSet['spec']>> = {}, labels: Record<string, string> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      serviceName: `${name}-svc`,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
      ...spec,
    },
  };
}

const getSet = (name: string) => client.get<StatefulSet>(RESOURCE_TYPES.statefulsets, name, { namespace: NS });
const create = (set: StatefulSet) => client.create<StatefulSet>(RESOURCE_TYPES.statefulsets, set);
const patchSpec = (name: string, spec: unknown) => client.patch(RESOURCE_TYPES.statefulsets, name, 'merge', { spec }, { namespace: NS });
const live = (p: Pod) => !p.metadata?.deletionTimestamp;
const podsOf = async (name: string) =>
  (await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: NS, labelSelector: `app=${name}` })).items.filter(live).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name!);
const getPod = (name: string) => client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace: NS });
const revisionLabel = (p: Pod) => p.metadata?.labels?.['controller-revision-hash'];
const claims = async (prefix: string) =>
  (await client.list<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, { namespace: NS })).items.filter((c) => c.metadata!.name!.startsWith(prefix) && !c.metadata?.deletionTimestamp);
/** A short look to show something did NOT happen (the controller had many syncs to do it). */
const settleBriefly = () => new Promise((r) => setTimeout(r, 400));

async function settled(name: string, replicas: number): Promise<StatefulSet> {
  return waitFor(`${name} settled at ${replicas}`, async () => {
    const set = await getSet(name);
    const s = set.status;
    const pods = await podsOf(name);
    return pods.length === replicas &&
      s?.observedGeneration === set.metadata?.generation &&
      s?.replicas === replicas &&
      s?.readyReplicas === replicas &&
      s?.updatedReplicas === replicas &&
      s?.currentRevision === s?.updateRevision
      ? set
      : undefined;
  });
}

describe('StatefulSet controller', () => {
  it('OrderedReady creates ordinal i only after 0..i-1 are Running and Ready, with a stable identity', async () => {
    await create(statefulSet('ord', 3, {}, { manual: 'true' }));
    const first = await waitFor('ord-0', () => getPod('ord-0'));
    assert.equal(first.spec?.hostname, 'ord-0');
    assert.equal(first.spec?.subdomain, 'ord-svc');
    assert.equal(first.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'ord-0');
    assert.equal(first.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
    assert.equal(first.metadata?.ownerReferences?.[0]?.controller, true);
    await waitFor('ord-0 bound', async () => (await getPod('ord-0')).spec?.nodeName);
    await settleBriefly();
    assert.deepEqual(names(await podsOf('ord')), ['ord-0'], 'ord-1 waits for ord-0 to be ready');
    await sim.markReady(NS, 'ord-0');
    await waitFor('ord-1', () => getPod('ord-1'));
    await waitFor('ord-1 bound', async () => (await getPod('ord-1')).spec?.nodeName);
    await settleBriefly();
    assert.deepEqual(names(await podsOf('ord')), ['ord-0', 'ord-1']);
    await sim.markReady(NS, 'ord-1');
    await waitFor('ord-2', () => getPod('ord-2'));
    await waitFor('ord-2 bound', async () => (await getPod('ord-2')).spec?.nodeName);
    await sim.markReady(NS, 'ord-2');
    const set = await settled('ord', 3);
    assert.match(set.status!.currentRevision!, /^ord-[bcdfghjklmnpqrstvwxz2456789]+$/);
    for (const p of await podsOf('ord')) assert.equal(revisionLabel(p), set.status!.currentRevision);

    // Scale down: highest ordinal first, one at a time.
    deletions.length = 0;
    await patchSpec('ord', { replicas: 1 });
    await settled('ord', 1);
    assert.deepEqual(deletions.filter((n) => n.startsWith('ord-')), ['ord-2', 'ord-1']);
  });

  it('spec.ordinals.start numbers the pods from the given ordinal', async () => {
    await create(statefulSet('start', 2, { ordinals: { start: 5 } }));
    await settled('start', 2);
    assert.deepEqual(names(await podsOf('start')), ['start-5', 'start-6']);
  });

  it('Parallel creates every pod at once without waiting for readiness', async () => {
    await create(statefulSet('par', 3, { podManagementPolicy: 'Parallel' }, { manual: 'true' }));
    await waitFor('all three', async () => (await podsOf('par')).length === 3);
    assert.ok((await podsOf('par')).every((p) => p.status?.phase !== 'Running'), 'none was ready when the others were made');
    for (const n of ['par-0', 'par-1', 'par-2']) {
      await waitFor(`${n} bound`, async () => (await getPod(n)).spec?.nodeName);
      await sim.markReady(NS, n);
    }
    await settled('par', 3);
  });

  it('creates a PVC per ordinal, reuses it for a replaced pod, and keeps it on scale-down (Retain)', async () => {
    const vct = [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
    await create(statefulSet('data', 2, { volumeClaimTemplates: vct }));
    await settled('data', 2);
    const before = await claims('www-data-');
    assert.deepEqual(before.map((c) => c.metadata!.name).sort(), ['www-data-0', 'www-data-1']);
    assert.equal(before[0]!.metadata?.labels?.['app'], 'data');
    const pod0 = await getPod('data-0');
    assert.deepEqual(pod0.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-data-0' });

    await client.delete(RESOURCE_TYPES.pods, 'data-0', { namespace: NS });
    const again = await waitFor('data-0 recreated', async () => {
      const p = await getPod('data-0');
      return p.metadata?.uid !== pod0.metadata?.uid && live(p) ? p : undefined;
    });
    assert.equal(again.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim?.claimName, 'www-data-0');
    const uids = new Map(before.map((c) => [c.metadata!.name, c.metadata!.uid]));
    for (const c of await claims('www-data-')) assert.equal(c.metadata!.uid, uids.get(c.metadata!.name), 'the same claim, not a new one');

    await patchSpec('data', { replicas: 1 });
    await settled('data', 1);
    await settleBriefly();
    assert.deepEqual((await claims('www-data-')).map((c) => c.metadata!.name).sort(), ['www-data-0', 'www-data-1']);
  });

  it('whenScaled=Delete removes the claims of scaled-down ordinals; whenDeleted=Delete makes the set their owner', async () => {
    const vct = [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
    await create(statefulSet('del', 2, { volumeClaimTemplates: vct, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' } }));
    const set = await settled('del', 2);
    const claim0 = (await claims('www-del-0'))[0]!;
    assert.deepEqual(claim0.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['StatefulSet', set.metadata!.uid]]);
    await patchSpec('del', { replicas: 1 });
    await settled('del', 1);
    await waitFor('www-del-1 deleted', async () => (await claims('www-del-')).length === 1, 15_000);
    assert.deepEqual((await claims('www-del-')).map((c) => c.metadata!.name), ['www-del-0']);
  });

  it('a rolling update honours the partition and goes from the highest ordinal down', async () => {
    await create(statefulSet('roll', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    const v1 = await settled('roll', 3);
    const oldRev = v1.status!.currentRevision!;
    deletions.length = 0;
    await patchSpec('roll', { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } });
    const partial = await waitFor('roll-2 updated', async () => {
      const set = await getSet('roll');
      const pods = await podsOf('roll');
      const ok = set.status?.updateRevision !== oldRev && set.status?.updatedReplicas === 1 && set.status?.readyReplicas === 3 && pods.length === 3;
      return ok ? { set, pods } : undefined;
    });
    const newRev = partial.set.status!.updateRevision!;
    assert.deepEqual(partial.pods.map(revisionLabel), [oldRev, oldRev, newRev]);
    assert.equal(partial.set.status?.currentRevision, oldRev);
    assert.equal(partial.set.status?.currentReplicas, 2);
    assert.equal((await getPod('roll-2')).spec?.containers[0]?.image, 'busybox:2');
    await settleBriefly();
    assert.deepEqual(deletions.filter((n) => n.startsWith('roll-')), ['roll-2'], 'ordinals below the partition are left alone');

    await patchSpec('roll', { updateStrategy: { rollingUpdate: { partition: 0 } } });
    const done = await settled('roll', 3);
    assert.equal(done.status?.currentRevision, newRev);
    assert.equal(done.status?.currentReplicas, 3);
    assert.deepEqual(deletions.filter((n) => n.startsWith('roll-')), ['roll-2', 'roll-1', 'roll-0']);
    const revs = (await client.list<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, { namespace: NS, labelSelector: 'app=roll' })).items;
    assert.deepEqual(revs.map((r) => [r.metadata!.name, r.revision]).sort(), [[oldRev, 1], [newRev, 2]].sort());

    // `kubectl rollout undo` applies the old revision's data as a strategic merge patch.
    const first = revs.find((r) => r.metadata!.name === oldRev)!;
    await client.patch(RESOURCE_TYPES.statefulsets, 'roll', 'strategic', first.data, { namespace: NS });
    const undone = await settled('roll', 3);
    assert.equal(undone.status?.currentRevision, oldRev, 'the old revision is reused, not duplicated');
    assert.equal((await getPod('roll-0')).spec?.containers[0]?.image, 'busybox:1');
    const renumbered = await client.get<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, oldRev, { namespace: NS });
    assert.equal(renumbered.revision, 3);
  });

  it('trims the revision history to revisionHistoryLimit, keeping the revisions in use', async () => {
    await create(statefulSet('hist', 1, { revisionHistoryLimit: 1 }));
    await settled('hist', 1);
    for (const image of ['busybox:2', 'busybox:3', 'busybox:4']) {
      await patchSpec('hist', { template: { spec: { containers: [{ name: 'c', image }] } } });
      await waitFor(`hist on ${image}`, async () => {
        const set = await settled('hist', 1);
        return set.metadata?.generation === set.status?.observedGeneration && (await getPod('hist-0')).spec?.containers[0]?.image === image;
      });
    }
    const revs = await waitFor('history trimmed', async () => {
      const items = (await client.list<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, { namespace: NS, labelSelector: 'app=hist' })).items;
      return items.length === 2 ? items : undefined;
    });
    const current = (await getSet('hist')).status?.currentRevision;
    assert.deepEqual(revs.map((r) => r.revision).sort(), [3, 4]);
    assert.ok(revs.some((r) => r.metadata!.name === current && r.revision === 4));
  });

  it('OnDelete updates only pods that were deleted', async () => {
    await create(statefulSet('ondel', 2, { updateStrategy: { type: 'OnDelete' } }));
    const v1 = await settled('ondel', 2);
    const oldRev = v1.status!.currentRevision!;
    await patchSpec('ondel', { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } });
    const set = await waitFor('new update revision', async () => {
      const s = await getSet('ondel');
      return s.status?.updateRevision !== oldRev && s.status?.observedGeneration === s.metadata?.generation ? s : undefined;
    });
    await settleBriefly();
    assert.deepEqual((await podsOf('ondel')).map(revisionLabel), [oldRev, oldRev]);
    await client.delete(RESOURCE_TYPES.pods, 'ondel-0', { namespace: NS });
    await waitFor('ondel-0 updated', async () => {
      const s = await getSet('ondel');
      const pods = await podsOf('ondel');
      return pods.length === 2 && revisionLabel(pods[0]!) === set.status!.updateRevision && s.status?.updatedReplicas === 1 && s.status?.readyReplicas === 2;
    });
    assert.equal(revisionLabel(await getPod('ondel-1')), oldRev);
    assert.equal((await getSet('ondel')).status?.currentRevision, oldRev);
  });

  it('replaces a failed pod', async () => {
    await create(statefulSet('fail', 1));
    await settled('fail', 1);
    const before = await getPod('fail-0');
    await sim.markFailed(NS, 'fail-0');
    await waitFor('fail-0 replaced', async () => {
      const p = await getPod('fail-0');
      return p.metadata?.uid !== before.metadata?.uid && p.status?.phase === 'Running';
    });
    await settled('fail', 1);
  });
});

describe('kubectl rollout on a StatefulSet', () => {
  const KNS = 'sts-rollout';
  let env: SkiffEnv;
  let transport: HttpTransport;
  let kclient: Client;
  let kinformers: InformerFactory;
  let ksim: NodeSimulator;
  let kcontroller: RunningController;
  const kubectl = (...args: string[]) => env.kubectl.run([...args, '-n', KNS]);

  before(async () => {
    // The API server alone over HTTPS; this controller is the only one acting on the set.
    env = await startSkiff('sts-rollout', { apiOnly: true });
    transport = HttpTransport.fromKubeconfig(env.kubeconfig);
    kclient = new Client(transport);
    kinformers = new InformerFactory(kclient, { logger: silentLogger });
    kcontroller = startStatefulSetController({ client: kclient, informers: kinformers, logger: silentLogger });
    kinformers.start();
    ksim = await NodeSimulator.start({ client: kclient, nodes: 1, bind: true, namespace: KNS });
    ok(await env.kubectl.run(['create', 'namespace', KNS]));
  });

  after(async () => {
    await ksim?.stop();
    await kcontroller?.stop();
    kinformers?.stop();
    transport?.close();
    await env?.stop();
  });

  it('status waits for the rollout, history lists the revisions, undo goes back', async () => {
    const set = { ...statefulSet('web', 2), metadata: { name: 'web', namespace: KNS } };
    ok(await env.kubectl.run(['apply', '-f', '-'], { input: JSON.stringify(set) }));
    let status = ok(await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s'));
    assert.match(status.stdout, /partitioned roll out complete|rolling update complete|successfully rolled out/);
    ok(await kubectl('set', 'image', 'statefulset/web', 'c=busybox:2'));
    status = ok(await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s'));
    assert.match(status.stdout, /(partitioned roll out complete: 2 new pods have been updated|rolling update complete 2 pods at revision web-)/);
    const history = ok(await kubectl('rollout', 'history', 'statefulset/web'));
    assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\s*\n1\s+<none>\s*\n2\s+<none>/);
    ok(await kubectl('rollout', 'undo', 'statefulset/web'));
    ok(await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s'));
    const after = ok(await kubectl('get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}'));
    assert.deepEqual(after.stdout.trim().split(/\s+/), ['busybox:1', 'busybox:1']);
    const revisions = ok(await kubectl('rollout', 'history', 'statefulset/web'));
    assert.match(revisions.stdout, /\n2\s+<none>\s*\n3\s+<none>/);
  });
});
