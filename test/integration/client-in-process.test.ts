/**
 * The client library dispatching in-process into an ApiServer built here (no sockets,
 * the server's own authentication with a bearer token made for the in-process identity):
 * authentication still applies, an informer relists after 410 Gone when the store was
 * compacted under it (delivering tombstones), and a controller's work queue folds many
 * changes to one key into one more reconcile.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/object.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  Client,
  InProcessTransport,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  fieldIndex,
  isTombstone,
  objectKey,
  runController,
  type Dispatch,
} from '../../src/client/index.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-client-inproc', autoCompaction: false });
});

after(async () => {
  await cluster?.stop();
});

const NS = 'default';
const cm = (name: string, data: Record<string, string> = { k: 'v' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { suite: 'inproc' } }, data });


describe('InProcessTransport into ApiServer.serve', () => {
  it('goes through authentication: the in-process token is accepted, any other refused with 401', async () => {
    const { server, client } = cluster;
    const created = await client.create(RESOURCE_TYPES.configmaps, cm('auth-1'));
    assert.equal(created.metadata?.name, 'auth-1');
    const stranger = new Client(new InProcessTransport(server.serve.bind(server), { token: 'not-a-token' }));
    await assert.rejects(stranger.get(RESOURCE_TYPES.configmaps, 'auth-1', { namespace: NS }), (err: unknown) => err instanceof ApiError && err.code === 401 && err.reason === 'Unauthorized');
    await assert.rejects(client.create(RESOURCE_TYPES.configmaps, cm('auth-1')), (err: unknown) => err instanceof ApiError && err.reason === 'AlreadyExists');
    await client.delete(RESOURCE_TYPES.configmaps, 'auth-1', { namespace: NS });
  });

  it('an informer relists after 410 Gone when history it needs was compacted away', { timeout: 60_000 }, async () => {
    const first = await cluster.startApiServer();
    // The dispatch target can change under the transport, as when a server is replaced.
    let target: Dispatch = first.serve.bind(first);
    const down: Dispatch = async (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(new ApiError(503, 'ServiceUnavailable', 'restarting').toStatus()));
    };
    const lists: string[] = [];
    const transport = new InProcessTransport((req, res) => {
      if (req.method === 'GET' && !(req.url ?? '').includes('watch=true') && (req.url ?? '').startsWith('/api/v1/namespaces/default/configmaps?')) lists.push(req.url!);
      return target(req, res);
    }, cluster.identity);
    const client = new Client(transport);
    for (const n of ['keep', 'doomed']) await client.create(RESOURCE_TYPES.configmaps, cm(n));

    const factory = new InformerFactory(client, { namespace: NS, logger: silentLogger });
    const informer = factory.informerFor(RESOURCE_TYPES.configmaps, { labelSelector: 'suite=inproc' });
    const log: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => log.push(`add ${o.metadata?.name}`),
      onUpdate: (_old, o) => log.push(`update ${o.metadata?.name}`),
      onDelete: (o) => log.push(isTombstone(o) ? `tombstone ${o.key}` : `delete ${o.metadata?.name}`),
    });
    factory.start();
    assert.equal(await factory.waitForCacheSync(), true);
    assert.deepEqual(log.splice(0).sort(), ['add doomed', 'add keep']);
    assert.equal(lists.length, 1);
    const seenRv = Number(informer.lastSyncResourceVersion);

    // The server goes away; while the informer cannot watch, a new server changes things
    // and the store is compacted past the informer's resourceVersion.
    target = down;
    await first.stop();
    const second = await cluster.startApiServer();
    const writer = new Client(new InProcessTransport(second.serve.bind(second), cluster.identity));
    await writer.delete(RESOURCE_TYPES.configmaps, 'doomed', { namespace: NS });
    const keep = await writer.get(RESOURCE_TYPES.configmaps, 'keep', { namespace: NS });
    await writer.update(RESOURCE_TYPES.configmaps, { ...keep, data: { k: 'v2' } });
    await writer.create(RESOURCE_TYPES.configmaps, cm('newcomer'));
    const revision = await cluster.storage.currentRevision();
    await cluster.storage.compact(revision);
    assert.ok(seenRv < (await cluster.storage.compactRevision()), 'the informer’s resourceVersion is compacted');
    target = second.serve.bind(second);

    await waitFor('the relist', () => log.length >= 3);
    assert.deepEqual(log.sort(), ['add newcomer', 'tombstone default/doomed', 'update keep']);
    assert.equal(lists.length, 2, 'one relist');
    assert.deepEqual(informer.lister().namespace(NS).list().map((o) => o.metadata?.name).sort(), ['keep', 'newcomer']);
    assert.ok(Number(informer.lastSyncResourceVersion) >= revision);

    // And it keeps following the new server.
    await writer.create(RESOURCE_TYPES.configmaps, cm('after'));
    await waitFor('a watch event', () => log.includes('add after'));
    await factory.stop();
    for (const n of ['keep', 'newcomer', 'after']) await writer.delete(RESOURCE_TYPES.configmaps, n, { namespace: NS });
  });

  it('a controller’s queue folds changes made during a reconcile into one more reconcile, never two at once', { timeout: 60_000 }, async () => {
    const server = await cluster.startApiServer();
    const client = new Client(new InProcessTransport(server.serve.bind(server), cluster.identity));
    const factory = new InformerFactory(client, { logger: silentLogger });
    const configmaps = factory.informerFor(RESOURCE_TYPES.configmaps, { namespace: NS, indexers: { value: fieldIndex('data.k') } });
    const queue = new WorkQueue<string>();
    configmaps.addEventHandler({
      onAdd: (o) => queue.add(objectKey(o)),
      onUpdate: (_old, o) => queue.add(objectKey(o)),
    });
    let running = 0;
    let overlapped = false;
    const reconciled: string[] = [];
    let gate: (() => void) | undefined;
    const controller = runController({
      name: 'folding',
      queue,
      workers: 4,
      waitFor: [factory],
      logger: silentLogger,
      reconcile: async (key) => {
        if (running++ > 0) overlapped = true;
        const obj = configmaps.lister().get(key);
        reconciled.push(`${key}=${(obj?.['data'] as Record<string, string> | undefined)?.['k']}`);
        if (reconciled.length === 1) await new Promise<void>((r) => (gate = r));
        running--;
      },
    });
    factory.start();
    assert.equal(await controller.started, true);
    let obj = await client.create(RESOURCE_TYPES.configmaps, cm('fold', { k: '0' }));
    await waitFor('the first reconcile', () => gate !== undefined);
    for (let i = 1; i <= 20; i++) obj = await client.update(RESOURCE_TYPES.configmaps, { ...obj, data: { k: String(i) } });
    await waitFor('the informer to see the last update', () => configmaps.lister().get('default/fold')?.metadata?.resourceVersion === obj.metadata?.resourceVersion);
    assert.equal(configmaps.indexer.byIndex('value', '20').length, 1);
    gate!();
    await waitFor('the second reconcile', () => reconciled.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(reconciled, ['default/fold=0', 'default/fold=20']);
    assert.equal(overlapped, false);
    await controller.stop();
    await factory.stop();
    await client.delete(RESOURCE_TYPES.configmaps, 'fold', { namespace: NS });
  });
});
