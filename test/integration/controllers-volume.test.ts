/**
 * The storage controllers on an in-process cluster (API server on SQLite in a temp dir):
 * the PersistentVolume binder, the PVC and PV protection controllers and the local-path
 * provisioner, with the node simulator providing nodes and running pods. The scheduler's
 * part (the selected-node annotation on WaitForFirstConsumer claims) is played by the
 * test, and so is the local-path helper pods' (each succeeds as soon as it exists;
 * controllers-local-path.test.ts looks at them closely). Covers static binding (smallest fit; class, volume mode, selector, access modes
 * and pre-binding respected), Retain and Delete reclaiming, delayed binding with
 * provisioning, finalizers held while in use, and the default StorageClass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event as CoreEvent, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { InformerFactory, RESOURCE_TYPES, isNotFound, type Client, type RunningController } from '../../src/client/index.js';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DEFAULT_STORAGE_CLASS,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  PVC_PROTECTION_FINALIZER,
  PV_PROTECTION_FINALIZER,
  startLocalPathProvisioner,
  startPersistentVolumeBinderController,
  startPvProtectionController,
  startPvcProtectionController,
} from '../../src/controllers/volume/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const BASE_DIR = '/var/lib/skiff-test/storage';
let cluster: InProcessCluster;
let client: Client;
let informers: InformerFactory;
let sim: NodeSimulator;
const controllers: RunningController[] = [];
let provisioner: RunningController;
let helperPods: InformerFactory;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-volume' });
  client = cluster.client;
  sim = await NodeSimulator.start({ client, nodes: 2, autoReady: (p) => !isHelper(p) });
  helperPods = completeHelperPods();
  informers = new InformerFactory(client, { logger: silentLogger });
  const ctx = { client, informers, logger: silentLogger };
  provisioner = startLocalPathProvisioner({ ...ctx, baseDir: BASE_DIR });
  controllers.push(startPersistentVolumeBinderController({ ...ctx, resyncPeriodMs: 1000 }), startPvcProtectionController(ctx), startPvProtectionController(ctx), provisioner);
  informers.start();
  for (const c of controllers) assert.equal(await c.started, true);
});

after(async () => {
  for (const c of controllers) await c.stop();
  await sim?.stop();
  await helperPods?.stop();
  await informers?.stop();
  await cluster?.stop();
});

// ---- helpers ----

const isHelper = (p: Pod) => !!p.metadata?.name?.startsWith('helper-pod-');

/** Plays the local-path helper pods' part: each one succeeds as soon as it is created. */
function completeHelperPods(): InformerFactory {
  const factory = new InformerFactory(client, { logger: silentLogger, namespace: 'kube-system' });
  factory.informerFor<Pod>(RESOURCE_TYPES.pods).addEventHandler({
    // A helper removed before this lands is fine: the provisioner has moved on.
    onAdd: (p) => void (isHelper(p) && sim.markSucceeded('kube-system', p.metadata!.name!).catch(() => {})),
  });
  factory.start();
  return factory;
}

function pv(name: string, storage: string, extra: { class?: string; modes?: string[]; mode?: 'Filesystem' | 'Block'; labels?: Record<string, string>; reclaim?: string; claimRef?: { namespace: string; name: string } } = {}): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      capacity: { storage },
      accessModes: extra.modes ?? ['ReadWriteOnce'],
      volumeMode: extra.mode ?? 'Filesystem',
      persistentVolumeReclaimPolicy: extra.reclaim ?? 'Retain',
      storageClassName: extra.class ?? 'manual',
      hostPath: { path: `/tmp/skiff-test-volumes/${name}` },
      ...(extra.claimRef ? { claimRef: extra.claimRef } : {}),
    },
  };
}

function pvc(name: string, storage: string, extra: { class?: string | null; modes?: string[]; mode?: 'Filesystem' | 'Block'; selector?: Record<string, string>; volumeName?: string } = {}): PersistentVolumeClaim {
  const spec: NonNullable<PersistentVolumeClaim['spec']> = { accessModes: extra.modes ?? ['ReadWriteOnce'], resources: { requests: { storage } }, volumeMode: extra.mode ?? 'Filesystem' };
  if (extra.class !== null) spec.storageClassName = extra.class ?? 'manual';
  if (extra.selector) spec.selector = { matchLabels: extra.selector };
  if (extra.volumeName) spec.volumeName = extra.volumeName;
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec };
}

const getPv = (name: string) => client.get<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, name);
const getPvc = (name: string) => client.get<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, name, { namespace: NS });
const createPv = (v: PersistentVolume) => client.create<PersistentVolume>(RESOURCE_TYPES.persistentvolumes, v);
const createPvc = (c: PersistentVolumeClaim) => client.create<PersistentVolumeClaim>(RESOURCE_TYPES.persistentvolumeclaims, c);

async function gone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

async function bound(claim: string): Promise<{ claim: PersistentVolumeClaim; volume: PersistentVolume }> {
  return waitFor(`${claim} bound`, async () => {
    const c = await getPvc(claim);
    if (c.status?.phase !== 'Bound' || !c.spec?.volumeName) return false;
    const v = await getPv(c.spec.volumeName);
    return v.status?.phase === 'Bound' && { claim: c, volume: v };
  });
}

async function eventsFor(kind: string, name: string): Promise<CoreEvent[]> {
  const list = await client.list<CoreEvent>(RESOURCE_TYPES.events, { namespace: NS });
  return list.items.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
}

async function deleteClaimAndWait(name: string): Promise<void> {
  await client.delete(RESOURCE_TYPES.persistentvolumeclaims, name, { namespace: NS });
  await waitFor(`${name} deleted`, () => gone(() => getPvc(name)));
}

// ---- tests ----

describe('local-path StorageClass', () => {
  it('is created at start as the default, WaitForFirstConsumer, Delete, for rancher.io/local-path', async () => {
    const sc = await waitFor('the local-path class', () => client.get<StorageClass>(RESOURCE_TYPES.storageclasses, 'local-path'));
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.metadata?.annotations?.[ANN_DEFAULT_STORAGE_CLASS], 'true');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
  });
});

describe('static binding', () => {
  before(async () => {
    await Promise.all([
      createPv(pv('pv-1g', '1Gi')),
      createPv(pv('pv-3g', '3Gi')),
      createPv(pv('pv-5g', '5Gi')),
      createPv(pv('pv-2g-fast', '2Gi', { class: 'fast' })),
      createPv(pv('pv-2g-block', '2Gi', { mode: 'Block' })),
      createPv(pv('pv-8g-gold', '8Gi', { labels: { tier: 'gold' } })),
      createPv(pv('pv-4g-rwx', '4Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] })),
      createPv(pv('pv-2g-noclass', '2Gi', { class: '' })),
    ]);
    await waitFor('every volume Available', async () => {
      const list = await client.list<PersistentVolume>(RESOURCE_TYPES.persistentvolumes);
      return list.items.length >= 8 && list.items.every((v) => v.status?.phase === 'Available');
    });
  });

  it('gives a claim the smallest Available volume of its class and volume mode that is big enough', async () => {
    await createPvc(pvc('fit', '2Gi'));
    const { claim, volume } = await bound('fit');
    assert.equal(volume.metadata?.name, 'pv-3g');
    assert.equal(claim.metadata?.annotations?.[ANN_BIND_COMPLETED], 'yes');
    assert.equal(claim.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
    assert.equal(volume.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
    assert.equal(volume.spec?.claimRef?.uid, claim.metadata?.uid);
    assert.equal(volume.spec?.claimRef?.name, 'fit');
    assert.equal(volume.spec?.claimRef?.namespace, NS);
    assert.deepEqual(claim.status?.capacity, { storage: '3Gi' });
    assert.deepEqual(claim.status?.accessModes, ['ReadWriteOnce']);
  });

  it('respects the selector, the volume mode, the empty class and access modes (fewest extra modes first)', async () => {
    await createPvc(pvc('gold', '1Gi', { selector: { tier: 'gold' } }));
    await createPvc(pvc('block', '1Gi', { mode: 'Block' }));
    await createPvc(pvc('noclass', '1Gi', { class: '' }));
    await createPvc(pvc('rwx', '1Gi', { modes: ['ReadWriteMany'] }));
    await createPvc(pvc('other', '1Gi', { class: 'fast' }));
    assert.equal((await bound('gold')).volume.metadata?.name, 'pv-8g-gold');
    assert.equal((await bound('block')).volume.metadata?.name, 'pv-2g-block');
    assert.equal((await bound('noclass')).volume.metadata?.name, 'pv-2g-noclass');
    assert.equal((await bound('rwx')).volume.metadata?.name, 'pv-4g-rwx');
    assert.equal((await bound('other')).volume.metadata?.name, 'pv-2g-fast');
  });

  it('leaves a claim nothing fits Pending, and binds it when a volume appears', async () => {
    await createPvc(pvc('huge', '100Gi'));
    // No volume fits, and class "manual" has no StorageClass to provision one: upstream says so.
    await waitFor('a ProvisioningFailed event', async () =>
      (await eventsFor('PersistentVolumeClaim', 'huge')).some((e) => e.reason === 'ProvisioningFailed' && e.message === 'storageclass.storage.k8s.io "manual" not found'),
    );
    const pending = await getPvc('huge');
    assert.equal(pending.status?.phase, 'Pending');
    assert.equal(pending.spec?.volumeName ?? '', '');
    await createPv(pv('pv-200g', '200Gi'));
    assert.equal((await bound('huge')).volume.metadata?.name, 'pv-200g');
  });

  it('binds a claim to the volume it names, and a volume to the claim its claimRef names', async () => {
    await createPvc(pvc('named', '1Gi', { volumeName: 'pv-5g' }));
    const named = await bound('named');
    assert.equal(named.volume.metadata?.name, 'pv-5g');
    assert.equal(named.claim.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], undefined, 'the user chose the volume');
    assert.equal(named.volume.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');

    await createPv(pv('pv-reserved', '1Gi', { claimRef: { namespace: NS, name: 'reserved' } }));
    await waitFor('pv-reserved Available', async () => (await getPv('pv-reserved')).status?.phase === 'Available');
    await createPvc(pvc('reserved', '1Gi'));
    const reserved = await bound('reserved');
    // pv-1g would fit as well, but the reserved volume wins.
    assert.equal(reserved.volume.metadata?.name, 'pv-reserved');
    assert.equal(reserved.volume.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER], undefined, 'the user chose the claim');
  });

  it('Retain: the volume is Released when its claim is deleted, and keeps its claimRef', async () => {
    const { volume } = await bound('fit');
    await deleteClaimAndWait('fit');
    const released = await waitFor('pv-3g Released', async () => {
      const v = await getPv(volume.metadata!.name!);
      return v.status?.phase === 'Released' && v;
    });
    assert.equal(released.spec?.claimRef?.name, 'fit');
    // A new claim does not get the Released volume, though it is the smallest fit.
    await createPv(pv('pv-6g', '6Gi'));
    await waitFor('pv-6g Available', async () => (await getPv('pv-6g')).status?.phase === 'Available');
    await createPvc(pvc('fit2', '3Gi'));
    assert.equal((await bound('fit2')).volume.metadata?.name, 'pv-6g');
  });

  it('Delete on a volume no provisioner made: Failed with VolumeFailedDelete, as upstream (no in-tree deleter)', async () => {
    await createPv(pv('pv-del', '1Gi', { reclaim: 'Delete', class: 'del' }));
    await createPvc(pvc('del', '1Gi', { class: 'del' }));
    await bound('del');
    await deleteClaimAndWait('del');
    await waitFor('pv-del Failed', async () => (await getPv('pv-del')).status?.phase === 'Failed');
    // Events are written by the recorder after the status, so wait for it rather than look once.
    await waitFor('a VolumeFailedDelete event', async () =>
      (await client.list<CoreEvent>(RESOURCE_TYPES.events, { namespace: 'default' })).items.some((e) => e.involvedObject.name === 'pv-del' && e.reason === 'VolumeFailedDelete'),
    );
  });

  it('marks a Bound claim Lost when its volume is deleted', async () => {
    const { volume } = await bound('other');
    await client.delete(RESOURCE_TYPES.persistentvolumes, volume.metadata!.name!);
    // pv-protection holds a Bound volume; drop the finalizer as an administrator would to force it.
    await client.patch(RESOURCE_TYPES.persistentvolumes, volume.metadata!.name!, 'merge', { metadata: { finalizers: null } });
    await waitFor('claim other Lost', async () => (await getPvc('other')).status?.phase === 'Lost');
    await waitFor('a ClaimLost event', async () => (await eventsFor('PersistentVolumeClaim', 'other')).some((e) => e.reason === 'ClaimLost'));
  });
});

describe('WaitForFirstConsumer and the local-path provisioner', () => {
  it('keeps the claim Pending until a node is selected, then provisions a pinned hostPath volume and binds it', async () => {
    const created = await createPvc(pvc('data', '2Gi', { class: 'local-path' }));
    await waitFor('a WaitForFirstConsumer event', async () => (await eventsFor('PersistentVolumeClaim', 'data')).some((e) => e.reason === 'WaitForFirstConsumer'));
    let claim = await getPvc('data');
    assert.equal(claim.status?.phase, 'Pending');
    assert.equal(claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER], undefined, 'no provisioning before the scheduler chose a node');
    assert.ok(await gone(() => getPv(`pvc-${created.metadata!.uid}`)));

    const node = sim.nodeNames[1]!;
    await client.patch(RESOURCE_TYPES.persistentvolumeclaims, 'data', 'merge', { metadata: { annotations: { [ANN_SELECTED_NODE]: node } } }, { namespace: NS });
    const { claim: boundClaim, volume } = await bound('data');
    claim = boundClaim;
    assert.equal(claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER], 'rancher.io/local-path');
    assert.equal(claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(volume.metadata?.name, `pvc-${created.metadata!.uid}`);
    assert.equal(volume.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED], 'rancher.io/local-path');
    assert.deepEqual(volume.spec?.hostPath, { path: `${BASE_DIR}/pvc-${created.metadata!.uid}_${NS}_data`, type: 'DirectoryOrCreate' });
    assert.deepEqual(volume.spec?.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });
    assert.deepEqual(volume.spec?.capacity, { storage: '2Gi' });
    assert.equal(volume.spec?.storageClassName, 'local-path');
    assert.equal(volume.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(volume.spec?.claimRef?.uid, created.metadata?.uid);
    assert.deepEqual(claim.status?.capacity, { storage: '2Gi' });
    await waitFor('ExternalProvisioning and ProvisioningSucceeded events', async () => {
      const events = (await eventsFor('PersistentVolumeClaim', 'data')).map((e) => e.reason);
      return events.includes('ExternalProvisioning') && events.includes('ProvisioningSucceeded');
    });
  });

  it('finishes a static binding the scheduler started (claimRef on a local volume) for a delayed claim', async () => {
    await client.create<StorageClass>(RESOURCE_TYPES.storageclasses, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-static' },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    await createPv(pv('pv-local-a', '1Gi', { class: 'local-static' }));
    await waitFor('pv-local-a Available', async () => (await getPv('pv-local-a')).status?.phase === 'Available');
    const claim = await createPvc(pvc('static', '1Gi', { class: 'local-static' }));
    await waitFor('a WaitForFirstConsumer event', async () => (await eventsFor('PersistentVolumeClaim', 'static')).some((e) => e.reason === 'WaitForFirstConsumer'));
    // Delayed: the binder leaves a fitting Available volume alone; the scheduler picks.
    assert.equal((await getPv('pv-local-a')).spec?.claimRef, undefined);
    await client.patch(
      RESOURCE_TYPES.persistentvolumes,
      'pv-local-a',
      'merge',
      { metadata: { annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } }, spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name: 'static', uid: claim.metadata!.uid } } },
    );
    const { volume } = await bound('static');
    assert.equal(volume.metadata?.name, 'pv-local-a');
  });

  it('leaves a claim naming an unsuitable volume Pending with VolumeMismatch', async () => {
    await createPv(pv('pv-tiny', '1Mi', { class: 'tiny' }));
    await createPvc(pvc('too-big', '1Gi', { class: 'tiny', volumeName: 'pv-tiny' }));
    await waitFor('a VolumeMismatch event', async () =>
      (await eventsFor('PersistentVolumeClaim', 'too-big')).some((e) => e.reason === 'VolumeMismatch' && e.message === 'Cannot bind to requested volume "pv-tiny": requested PV is too small'),
    );
    assert.equal((await getPvc('too-big')).status?.phase, 'Pending');
    assert.equal((await getPv('pv-tiny')).spec?.claimRef, undefined);
  });

  it('gives a claim without a class the default class', async () => {
    await createPvc(pvc('unclassed', '1Gi', { class: null }));
    const claim = await waitFor('the default class', async () => {
      const c = await getPvc('unclassed');
      return c.spec?.storageClassName ? c : undefined;
    });
    assert.equal(claim.spec?.storageClassName, 'local-path');
    assert.equal(claim.status?.phase, 'Pending');
  });

  it('Delete: the provisioner deletes its volume once the claim is gone', async () => {
    const { volume } = await bound('data');
    await deleteClaimAndWait('data');
    await waitFor('the provisioned volume deleted', () => gone(() => getPv(volume.metadata!.name!)));
  });
});

describe('protection', () => {
  it('adds the finalizers to claims and volumes that lack them', async () => {
    await createPv(pv('pv-prot', '1Gi', { class: 'prot' }));
    await createPvc(pvc('prot', '1Gi', { class: 'prot' }));
    await bound('prot');
    // Strip them (as objects from before admission added them would be) and see them come back.
    await client.patch(RESOURCE_TYPES.persistentvolumes, 'pv-prot', 'merge', { metadata: { finalizers: null } });
    await client.patch(RESOURCE_TYPES.persistentvolumeclaims, 'prot', 'merge', { metadata: { finalizers: null } }, { namespace: NS });
    await waitFor('the pv finalizer', async () => (await getPv('pv-prot')).metadata?.finalizers?.includes(PV_PROTECTION_FINALIZER));
    await waitFor('the pvc finalizer', async () => (await getPvc('prot')).metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER));
  });

  it('holds a claim while a scheduled pod uses it, and a volume while it is Bound', async () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user', namespace: NS },
      spec: { nodeName: sim.nodeNames[0]!, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'prot' } }] },
    };
    await client.create<Pod>(RESOURCE_TYPES.pods, pod);
    await waitFor('the pod running', async () => (await client.get<Pod>(RESOURCE_TYPES.pods, 'user', { namespace: NS })).status?.phase === 'Running');
    // The volume is deleted first: Bound, it must stay.
    await client.delete(RESOURCE_TYPES.persistentvolumes, 'pv-prot');
    await client.delete(RESOURCE_TYPES.persistentvolumeclaims, 'prot', { namespace: NS });
    // An unused claim deleted after it is gone at once: by then the used one has been looked at.
    await createPvc(pvc('unused', '1Gi', { class: 'none' }));
    await waitFor('the finalizer on unused', async () => (await getPvc('unused')).metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER));
    await deleteClaimAndWait('unused');
    const held = await getPvc('prot');
    assert.ok(held.metadata?.deletionTimestamp, 'being deleted');
    assert.ok(held.metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER), 'still protected');
    const heldVolume = await getPv('pv-prot');
    assert.ok(heldVolume.metadata?.deletionTimestamp && heldVolume.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER));

    // The pod goes: the claim goes, its volume is Released (Retain) and, no longer Bound, goes too.
    await client.delete(RESOURCE_TYPES.pods, 'user', { namespace: NS });
    await waitFor('the claim gone', () => gone(() => getPvc('prot')));
    await waitFor('the volume gone', () => gone(() => getPv('pv-prot')));
  });
});

describe('local-path StorageClass at restart', () => {
  it('is never overwritten once a user edited it', async () => {
    await provisioner.stop();
    await client.patch(RESOURCE_TYPES.storageclasses, 'local-path', 'merge', { metadata: { annotations: { [ANN_DEFAULT_STORAGE_CLASS]: 'false' } } });
    const again = startLocalPathProvisioner({ client, informers, logger: silentLogger, baseDir: BASE_DIR });
    controllers.push(again);
    assert.equal(await again.started, true);
    // Give the first queue item (the class) time to be handled.
    await new Promise((r) => setTimeout(r, 300));
    const sc = await client.get<StorageClass>(RESOURCE_TYPES.storageclasses, 'local-path');
    assert.equal(sc.metadata?.annotations?.[ANN_DEFAULT_STORAGE_CLASS], 'false');
  });

  it('is created again when missing at start', async () => {
    await controllers.pop()!.stop();
    await client.delete(RESOURCE_TYPES.storageclasses, 'local-path');
    const again = startLocalPathProvisioner({ client, informers, logger: silentLogger, baseDir: BASE_DIR });
    controllers.push(again);
    const sc = await waitFor('local-path again', () => client.get<StorageClass>(RESOURCE_TYPES.storageclasses, 'local-path'));
    assert.equal(sc.metadata?.annotations?.[ANN_DEFAULT_STORAGE_CLASS], 'true');
  });
});
