/**
 * The garbage collector on an in-process cluster (ApiServer on SQLite in a temp dir,
 * the controller over an in-process client): background, foreground with
 * blockOwnerDeletion ordering, orphan, several owners, dangling references and
 * cluster-scoped owners. Owners and dependents are created directly by the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { silentLogger } from '../../src/util/logger.js';
import { type Client, RESOURCE_TYPES, isNotFound, resourceType, type RunningController } from '../../src/client/index.js';
import { startGarbageCollector } from '../../src/controllers/garbage-collector/garbage-collector.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let gc: RunningController;

const NS = 'default';
const CM = RESOURCE_TYPES.configmaps;
const CLUSTER_ROLES = resourceType('rbac.authorization.k8s.io', 'v1', 'clusterroles');

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-gc', autoCompaction: false });
  client = cluster.client;
  const informers = cluster.informers;
  gc = startGarbageCollector({ client, informers, logger: silentLogger });
  informers.start();
  assert.equal(await gc.started, true);
});

after(async () => {
  await gc?.stop();
  await cluster?.stop();
});


type Ref = { apiVersion: string; kind: string; name: string; uid: string; blockOwnerDeletion?: boolean };
const refTo = (owner: KubeObject, extra: Partial<Ref> = {}): Ref => ({
  apiVersion: owner.apiVersion!,
  kind: owner.kind!,
  name: owner.metadata!.name!,
  uid: owner.metadata!.uid!,
  ...extra,
});

function configMap(name: string, owners: Ref[] = [], extra: { namespace?: string; finalizers?: string[] } = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: extra.namespace ?? NS, ownerReferences: owners, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) }, data: { k: 'v' } };
}

async function find(name: string, namespace = NS): Promise<KubeObject | undefined> {
  try {
    return await client.get<KubeObject>(CM, name, { namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
const gone = (name: string, namespace = NS) => async () => (await find(name, namespace)) === undefined;
const ownersOf = (obj: KubeObject | undefined) => ((obj?.metadata as { ownerReferences?: Ref[] } | undefined)?.ownerReferences ?? []).map((r) => r.name);

describe('garbage collector', () => {
  it('background: deleting an owner deletes its dependents, and theirs', { timeout: 60_000 }, async () => {
    const owner = await client.create(CM, configMap('bg-owner'));
    const child = await client.create(CM, configMap('bg-child', [refTo(owner)]));
    await client.create(CM, configMap('bg-grandchild', [refTo(child)]));
    await client.create(CM, configMap('bg-bystander'));
    await client.delete(CM, 'bg-owner', { namespace: NS, propagationPolicy: 'Background' });
    await waitFor('the child to go', gone('bg-child'));
    await waitFor('the grandchild to go', gone('bg-grandchild'));
    assert.ok(await find('bg-bystander'), 'objects without owners stay');
  });

  it('foreground: the owner stays until dependents with blockOwnerDeletion are gone', { timeout: 60_000 }, async () => {
    const owner = await client.create(CM, configMap('fg-owner'));
    // The blocking dependent carries a finalizer of the test's, so the test decides when it goes.
    await client.create(CM, configMap('fg-blocker', [refTo(owner, { blockOwnerDeletion: true })], { finalizers: ['example.com/hold'] }));
    await client.create(CM, configMap('fg-free', [refTo(owner)]));
    await client.delete(CM, 'fg-owner', { namespace: NS, propagationPolicy: 'Foreground' });

    const marked = await find('fg-owner');
    assert.ok(marked?.metadata?.deletionTimestamp, 'the owner is marked for deletion');
    assert.ok(marked?.metadata?.finalizers?.includes('foregroundDeletion'));
    await waitFor('the blocker to be deleted', async () => Boolean((await find('fg-blocker'))?.metadata?.deletionTimestamp));
    await waitFor('the non-blocking dependent to go', gone('fg-free'));
    // While the blocker stands the owner must too.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await find('fg-owner'), 'the owner waits for its blocking dependent');

    const blocker = (await find('fg-blocker'))!;
    await client.update(CM, { ...blocker, metadata: { ...blocker.metadata, finalizers: [] } });
    await waitFor('the blocker to go', gone('fg-blocker'));
    await waitFor('the owner to go after it', gone('fg-owner'));
  });

  it('orphan: dependents lose the reference and stay', { timeout: 60_000 }, async () => {
    const owner = await client.create(CM, configMap('or-owner'));
    const other = await client.create(CM, configMap('or-other'));
    await client.create(CM, configMap('or-a', [refTo(owner)]));
    await client.create(CM, configMap('or-b', [refTo(owner), refTo(other)]));
    await client.delete(CM, 'or-owner', { namespace: NS, propagationPolicy: 'Orphan' });
    await waitFor('the owner to go', gone('or-owner'));
    assert.deepEqual(ownersOf(await find('or-a')), []);
    assert.deepEqual(ownersOf(await find('or-b')), ['or-other'], 'only the reference to the orphaning owner is removed');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await find('or-a'), 'orphans are not collected later');
  });

  it('a ReplicationController deleted with no policy orphans (its core/v1 default); a later Foreground delete replaces that finalizer', { timeout: 60_000 }, async () => {
    const rc = await client.create<KubeObject>(RESOURCE_TYPES.replicationcontrollers, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc-default', namespace: NS, finalizers: ['example.com/hold'] },
      spec: { replicas: 0, selector: { app: 'rc-default' }, template: { metadata: { labels: { app: 'rc-default' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await client.create(CM, configMap('rc-dep', [refTo(rc)]));
    const marked = (await client.delete(RESOURCE_TYPES.replicationcontrollers, 'rc-default', { namespace: NS })) as KubeObject;
    assert.deepEqual(marked.metadata?.finalizers, ['example.com/hold', 'orphan']);
    await waitFor('the dependent orphaned', async () => ownersOf(await find('rc-dep')).length === 0);
    const again = (await client.delete(RESOURCE_TYPES.replicationcontrollers, 'rc-default', { namespace: NS, propagationPolicy: 'Foreground' })) as KubeObject;
    assert.equal(again.metadata?.finalizers?.includes('orphan'), false);
    await client.patch(RESOURCE_TYPES.replicationcontrollers, 'rc-default', 'merge', { metadata: { finalizers: null } }, { namespace: NS });
    await waitFor('the controller gone', async () => {
      try {
        await client.get(RESOURCE_TYPES.replicationcontrollers, 'rc-default', { namespace: NS });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
    assert.ok(await find('rc-dep'), 'the orphaned dependent stays');
  });

  it('several owners: the dependent goes only with the last one; the dangling reference is removed first', { timeout: 60_000 }, async () => {
    const x = await client.create(CM, configMap('mo-x'));
    const y = await client.create(CM, configMap('mo-y'));
    await client.create(CM, configMap('mo-dep', [refTo(x), refTo(y)]));
    await client.delete(CM, 'mo-x', { namespace: NS });
    await waitFor('the reference to mo-x to be dropped', async () => ownersOf(await find('mo-dep')).join() === 'mo-y');
    await client.delete(CM, 'mo-y', { namespace: NS });
    await waitFor('the dependent to go', gone('mo-dep'));
  });

  it('dangling: an owner that never existed, or is another object of the same name, or lives in another namespace', { timeout: 60_000 }, async () => {
    await client.create(CM, configMap('dg-named'));
    await client.create(CM, configMap('dg-never', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '3f9c1c3e-0000-4000-8000-000000000001' }]));
    await client.create(CM, configMap('dg-impostor', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'dg-named', uid: '3f9c1c3e-0000-4000-8000-000000000002' }]));
    await client.create(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc-other' } });
    const elsewhere = await client.create(CM, configMap('dg-elsewhere-owner', [], { namespace: 'gc-other' }));
    await client.create(CM, configMap('dg-cross', [refTo(elsewhere)]));
    for (const name of ['dg-never', 'dg-impostor', 'dg-cross']) await waitFor(`${name} to go`, gone(name));
    assert.ok(await find('dg-named'));
    assert.ok(await find('dg-elsewhere-owner', 'gc-other'), 'the owner in the other namespace is untouched');
  });

  it('a cluster-scoped owner of namespaced dependents', { timeout: 60_000 }, async () => {
    const role = await client.create(CLUSTER_ROLES, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'gc-owner-role' }, rules: [] });
    await client.create(CM, configMap('cs-dep', [refTo(role)]));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await find('cs-dep'), 'a live cluster-scoped owner keeps its dependent');
    await client.delete(CLUSTER_ROLES, 'gc-owner-role');
    await waitFor('the dependent to go', gone('cs-dep'));
  });
});
