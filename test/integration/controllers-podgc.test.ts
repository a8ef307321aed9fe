/**
 * The pod garbage collector on an in-process cluster (API server on SQLite in a temp
 * dir), alone on its own informers, with a FakeClock for its 20 s period and 40 s
 * quarantine: terminated pods beyond the threshold go oldest first; a pod bound to a
 * node that no longer exists is marked Failed with a DisruptionTarget condition and
 * force-deleted after the quarantine; a terminating pod that was never scheduled is
 * marked Failed and force-deleted. Finalizers hold pods so the test can read the
 * status the collector wrote before deleting them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, isNotFound, type RunningController } from '../../src/client/index.js';
import { startPodGcController } from '../../src/controllers/podgc/podgc-controller.js';
import { FakeClock } from '../../src/util/clock-fake.js';
import { silentLogger } from '../../src/util/logger.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const CONTROLLER_MANAGER = 'system:kube-controller-manager';
const PERIOD_MS = 20_000;
const QUARANTINE_MS = 40_000;
const HOLD = 'test.skiff.dev/hold';
let cluster: InProcessCluster;
let client: Client;
let clock: FakeClock;
let controller: RunningController;
let informers: InformerFactory;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-podgc', user: 'test-admin', users: [CONTROLLER_MANAGER] });
  client = cluster.client;
  await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gc-node' } });
  clock = new FakeClock(Date.now());
  const c = new Client(cluster.transport(CONTROLLER_MANAGER), { fieldManager: 'kube-controller-manager' });
  informers = new InformerFactory(c, { logger: silentLogger });
  controller = startPodGcController({ client: c, informers, logger: silentLogger, clock, terminatedPodGcThreshold: 2, gcCheckPeriodMs: PERIOD_MS, quarantineMs: QUARANTINE_MS });
  informers.start();
  assert.equal(await controller.started, true);
});

after(async () => {
  await controller?.stop();
  await informers?.stop();
  await cluster?.stop();
});

const getPod = (name: string) => client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace: NS });

async function exists(name: string): Promise<boolean> {
  try {
    await getPod(name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function createPod(name: string, options: { nodeName?: string; phase?: string; hold?: boolean } = {}): Promise<void> {
  await client.create<Pod>(RESOURCE_TYPES.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, ...(options.hold ? { finalizers: [HOLD] } : {}) },
    spec: { ...(options.nodeName ? { nodeName: options.nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
  });
  if (options.phase) {
    const pod = await getPod(name);
    await client.updateStatus<Pod>(RESOURCE_TYPES.pods, { ...pod, status: { ...pod.status, phase: options.phase } }, { namespace: NS });
  }
}

async function release(name: string): Promise<void> {
  try {
    await client.patch(RESOURCE_TYPES.pods, name, 'merge', { metadata: { finalizers: null } }, { namespace: NS });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Advances one period and lets the pass see the cache as it is now. */
async function nextPass(): Promise<void> {
  await clock.advance(PERIOD_MS);
}

describe('pod garbage collector', () => {
  it('deletes the oldest terminated pods beyond the threshold', async () => {
    // Creation timestamps have second resolution: space the pods so "oldest" is unambiguous.
    const names = ['done-0', 'done-1', 'done-2', 'done-3'];
    for (const [i, name] of names.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      await createPod(name, { nodeName: 'gc-node', phase: i % 2 ? 'Failed' : 'Succeeded' });
    }
    await createPod('running', { nodeName: 'gc-node', phase: 'Running' });
    const terminated = informers.lister<Pod>(RESOURCE_TYPES.pods);
    await waitFor('cache has the terminated pods', () => terminated.list().filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed').length === 4);
    await nextPass();
    await waitFor('two oldest gone', async () => !(await exists('done-0')) && !(await exists('done-1')));
    assert.equal(await exists('done-2'), true);
    assert.equal(await exists('done-3'), true);
    assert.equal(await exists('running'), true);
    await nextPass();
    assert.equal(await exists('done-2'), true, 'the threshold is kept, not emptied');
  });

  it('marks Failed and force-deletes pods of a node that stays missing through the quarantine', async () => {
    await createPod('orphan', { nodeName: 'ghost-node', phase: 'Running', hold: true });
    await createPod('kept', { nodeName: 'gc-node', phase: 'Running' });
    await waitFor('cache has the orphan', () => informers.lister<Pod>(RESOURCE_TYPES.pods).list().some((p) => p.metadata?.name === 'orphan'));
    await nextPass();
    await nextPass();
    assert.equal((await getPod('orphan')).metadata?.deletionTimestamp, undefined, 'not deleted within the quarantine');
    await nextPass();
    const orphan = await waitFor('orphan deleted', async () => {
      const pod = await getPod('orphan');
      return pod.metadata?.deletionTimestamp ? pod : undefined;
    });
    assert.equal(orphan.status?.phase, 'Failed');
    const condition = orphan.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, 'DeletionByPodGC');
    assert.equal(condition?.message, 'PodGC: node no longer exists');
    await release('orphan');
    await waitFor('orphan gone', async () => !(await exists('orphan')));
    assert.equal((await getPod('kept')).metadata?.deletionTimestamp, undefined);
  });

  it('marks Failed and force-deletes terminating pods that were never scheduled', async () => {
    await createPod('unscheduled', { hold: true });
    await client.delete(RESOURCE_TYPES.pods, 'unscheduled', { namespace: NS });
    await waitFor('cache sees it terminating', () => informers.lister<Pod>(RESOURCE_TYPES.pods).list().some((p) => p.metadata?.name === 'unscheduled' && p.metadata.deletionTimestamp));
    await nextPass();
    const pod = await waitFor('marked Failed', async () => {
      const p = await getPod('unscheduled');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.ok(pod.metadata?.deletionTimestamp);
    await release('unscheduled');
    await waitFor('unscheduled gone', async () => !(await exists('unscheduled')));
  });
});
