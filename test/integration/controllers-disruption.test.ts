/**
 * The disruption controller on an in-process cluster (ApiServer on SQLite in a temp
 * dir): PodDisruptionBudget status from the selected pods' readiness and, for
 * percentages and maxUnavailable, their ReplicaSet's scale; disruptedPods entries
 * dropped when the pod goes or the entry times out; no disruption when a pod's
 * controller cannot be found. The test creates the ReplicaSet and its pods itself and
 * marks pods Ready through pods/status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { silentLogger } from '../../src/util/logger.js';
import { rfc3339 } from '../../src/api/time.js';
import { type Client, RESOURCE_TYPES, isConflict, resourceType, type RunningController } from '../../src/client/index.js';
import { startDisruptionController } from '../../src/controllers/disruption/disruption-controller.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let controller: RunningController;

const NS = 'default';
const PDBS = resourceType('policy', 'v1', 'poddisruptionbudgets');
const { pods: PODS, replicasets: RS } = RESOURCE_TYPES;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-disruption', autoCompaction: false });
  client = cluster.client;
  const informers = cluster.informers;
  controller = startDisruptionController({ client, informers, logger: silentLogger });
  informers.start();
  assert.equal(await controller.started, true);
});

after(async () => {
  await controller?.stop();
  await cluster?.stop();
});


const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

function replicaSet(name: string, app: string, replicas: number): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: NS }, spec: { replicas, selector: { matchLabels: { app } }, template: template(app) } };
}

function pod(name: string, app: string, controller?: { apiVersion: string; kind: string; name: string; uid: string }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app }, ...(controller ? { ownerReferences: [{ ...controller, controller: true, blockOwnerDeletion: true }] } : {}) },
    spec: template(app).spec,
  };
}

async function setReady(name: string, ready: boolean): Promise<void> {
  const current = await client.get<Pod>(PODS, name, { namespace: NS });
  await client.updateStatus<Pod>(PODS, { ...current, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
}

function pdb(name: string, app: string, budget: Pick<NonNullable<PodDisruptionBudget['spec']>, 'minAvailable' | 'maxUnavailable'>): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec: { selector: { matchLabels: { app } }, ...budget } };
}

const statusOf = async (name: string) => (await client.get<PodDisruptionBudget>(PDBS, name, { namespace: NS })).status;

/** The numbers and the condition, compactly: `healthy/desired/expected allowed reason`. */
function brief(s: PodDisruptionBudgetStatus | undefined): string {
  const cond = s?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  return `${s?.currentHealthy}/${s?.desiredHealthy}/${s?.expectedPods} ${s?.disruptionsAllowed} ${cond?.status}:${cond?.reason}`;
}

async function waitForStatus(name: string, expected: string): Promise<PodDisruptionBudgetStatus> {
  let last = '';
  await waitFor(`${name} status ${expected}`, async () => (last = brief(await statusOf(name))) === expected).catch((err: Error) => {
    throw new Error(`${err.message}; last ${last}`);
  });
  return (await statusOf(name))!;
}

/** Writes disruptedPods as the eviction subresource would, retrying on conflicts with the controller. */
async function recordEvictions(name: string, disruptedPods: Record<string, string>): Promise<void> {
  for (;;) {
    const current = await client.get<PodDisruptionBudget>(PDBS, name, { namespace: NS });
    try {
      await client.updateStatus<PodDisruptionBudget>(PDBS, { ...current, status: { ...current.status!, disruptedPods } });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

describe('disruption controller', () => {
  it('counts healthy pods against minAvailable and maxUnavailable, following the controller’s scale', { timeout: 90_000 }, async () => {
    const rs = await client.create(RS, replicaSet('db', 'db', 3));
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'db', uid: rs.metadata!.uid! };
    for (const n of ['db-0', 'db-1', 'db-2']) await client.create(PODS, pod(n, 'db', ref));
    await setReady('db-0', true);
    await setReady('db-1', true);

    await client.create(PDBS, pdb('db-min', 'db', { minAvailable: 2 }));
    await client.create(PDBS, pdb('db-max', 'db', { maxUnavailable: '50%' }));
    const min = await waitForStatus('db-min', '2/2/3 0 False:InsufficientPods');
    const created = await client.get<PodDisruptionBudget>(PDBS, 'db-min', { namespace: NS });
    assert.equal(min.observedGeneration, created.metadata?.generation);
    // 50% of 3 rounds up to 2 unavailable: 1 must stay healthy.
    await waitForStatus('db-max', '2/1/3 1 True:SufficientPods');

    await setReady('db-2', true);
    await waitForStatus('db-min', '3/2/3 1 True:SufficientPods');
    await waitForStatus('db-max', '3/1/3 2 True:SufficientPods');

    // Scaling the ReplicaSet changes the denominator: 50% of 5 → 3 unavailable, 2 healthy needed.
    const current = await client.get<ReplicaSet>(RS, 'db', { namespace: NS });
    await client.update<ReplicaSet>(RS, { ...current, spec: { ...current.spec!, replicas: 5 } });
    await waitForStatus('db-max', '3/2/5 1 True:SufficientPods');

    // A pod that stops being ready.
    await setReady('db-1', false);
    await waitForStatus('db-min', '2/2/3 0 False:InsufficientPods');
    await setReady('db-1', true);
    await waitForStatus('db-min', '3/2/3 1 True:SufficientPods');
  });

  it('keeps fresh evictions out of the healthy count and drops those of pods gone or timed out', { timeout: 60_000 }, async () => {
    const rs = await client.create(RS, replicaSet('ev', 'ev', 3));
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ev', uid: rs.metadata!.uid! };
    for (const n of ['ev-0', 'ev-1', 'ev-2']) {
      await client.create(PODS, pod(n, 'ev', ref));
      await setReady(n, true);
    }
    await client.create(PDBS, pdb('ev', 'ev', { minAvailable: 1 }));
    await waitForStatus('ev', '3/1/3 2 True:SufficientPods');

    const now = Date.now();
    await recordEvictions('ev', { 'ev-0': rfc3339(new Date(now)), 'ev-1': rfc3339(new Date(now - 3 * 60_000)) });
    const s = await waitForStatus('ev', '2/1/3 1 True:SufficientPods');
    assert.deepEqual(Object.keys(s.disruptedPods ?? {}), ['ev-0'], 'the timed-out entry is dropped, the fresh one kept');

    await client.delete(PODS, 'ev-0', { namespace: NS });
    await waitFor('the entry of the deleted pod to go', async () => Object.keys((await statusOf('ev'))?.disruptedPods ?? {}).length === 0);
    await waitForStatus('ev', '2/1/2 1 True:SufficientPods');
  });

  it('allows no disruption when a pod’s controller cannot be found', { timeout: 60_000 }, async () => {
    await client.create(PODS, pod('lost-0', 'lost', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nowhere', uid: '0b3f6a4e-0000-4000-8000-000000000009' }));
    await setReady('lost-0', true);
    await client.create(PDBS, pdb('lost', 'lost', { maxUnavailable: 1 }));
    await waitFor('SyncFailed', async () => (await statusOf('lost'))?.conditions?.some((c) => c.reason === 'SyncFailed') === true);
    const s = (await statusOf('lost'))!;
    assert.equal(s.disruptionsAllowed, 0);
    assert.match(s.conditions!.find((c) => c.type === 'DisruptionAllowed')!.message, /found no controllers for pod "lost-0"/);
  });
});
