/**
 * The service account controller on an in-process cluster (ApiServer on SQLite in a
 * temp dir): every active namespace gets a `default` ServiceAccount, recreated when
 * deleted; a terminating namespace is left alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { silentLogger } from '../../src/util/logger.js';
import { type Client, RESOURCE_TYPES, isNotFound, type RunningController } from '../../src/client/index.js';
import { startServiceAccountController } from '../../src/controllers/serviceaccount/serviceaccount-controller.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let controller: RunningController;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-sa', autoCompaction: false });
  client = cluster.client;
  const informers = cluster.informers;
  controller = startServiceAccountController({ client, informers, logger: silentLogger });
  informers.start();
  assert.equal(await controller.started, true);
});

after(async () => {
  await controller?.stop();
  await cluster?.stop();
});


async function defaultAccount(namespace: string): Promise<ServiceAccount | undefined> {
  try {
    return await client.get<ServiceAccount>(RESOURCE_TYPES.serviceaccounts, 'default', { namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

describe('service account controller', () => {
  it('gives the system namespaces and new ones a default service account, and recreates it', { timeout: 60_000 }, async () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) await waitFor(`default SA in ${ns}`, async () => (await defaultAccount(ns)) !== undefined);
    await client.create(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-team' } });
    await waitFor('default SA in sa-team', async () => (await defaultAccount('sa-team')) !== undefined);
    const first = (await defaultAccount('sa-team'))!;
    await client.delete(RESOURCE_TYPES.serviceaccounts, 'default', { namespace: 'sa-team' });
    await waitFor('a new default SA', async () => {
      const now = await defaultAccount('sa-team');
      return now !== undefined && now.metadata?.uid !== first.metadata?.uid;
    });
  });

  it('leaves a terminating namespace alone', { timeout: 60_000 }, async () => {
    await client.create(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-doomed' } });
    await waitFor('default SA in sa-doomed', async () => (await defaultAccount('sa-doomed')) !== undefined);
    // No namespace controller runs here, so the namespace stays Terminating.
    await client.delete(RESOURCE_TYPES.namespaces, 'sa-doomed');
    await client.delete(RESOURCE_TYPES.serviceaccounts, 'default', { namespace: 'sa-doomed' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await defaultAccount('sa-doomed'), undefined);
  });
});
