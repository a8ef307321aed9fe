/**
 * The service account controller on an in-process cluster (ApiServer on SQLite in a
 * temp dir): every active namespace gets a `default` ServiceAccount, recreated when
 * deleted; a terminating namespace is left alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { ensureClusterPki } from '../../src/apiserver/pki/index.js';
import { openBackend } from '../../src/storage/open.js';
import type { Backend } from '../../src/storage/backend.js';
import { silentLogger } from '../../src/util/logger.js';
import { Client, InProcessTransport, InformerFactory, RESOURCE_TYPES, createInProcessIdentity, isNotFound, type RunningController } from '../../src/client/index.js';
import { startServiceAccountController } from '../../src/controllers/serviceaccount/serviceaccount-controller.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-sa-'));
const identity = createInProcessIdentity('system:apiserver');
let storage: Backend;
let server: ApiServer;
let client: Client;
let informers: InformerFactory;
let controller: RunningController;

before(async () => {
  const pki = await ensureClusterPki(dir, { serviceIp: '10.43.0.1' });
  storage = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: false });
  server = new ApiServer({
    storage,
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
    verifyClientCertificate: (cert) => pki.verifyClientCertificate(cert),
    tokens: new Map([[identity.token, identity.user]]),
    bindAddress: '127.0.0.1',
    port: 0,
    advertiseAddress: '127.0.0.1',
    serviceCidr: '10.43.0.0/16',
    logger: silentLogger,
  });
  await server.start();
  client = new Client(new InProcessTransport(server.serve.bind(server), identity));
  informers = new InformerFactory(client, { logger: silentLogger });
  controller = startServiceAccountController({ client, informers, logger: silentLogger });
  informers.start();
  assert.equal(await controller.started, true);
});

after(async () => {
  await controller?.stop();
  await informers?.stop();
  await server?.stop();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

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
