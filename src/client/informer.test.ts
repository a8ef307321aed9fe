import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { FakeClock } from '../util/clock-fake.js';
import { silentLogger } from '../util/logger.js';
import { Client } from './client.js';
import { FakeTransport } from './fake-transport.js';
import { fieldIndex } from './indexer.js';
import { InformerFactory } from './informer-factory.js';
import { SharedInformer, isTombstone, type EventHandler } from './informer.js';
import { RESOURCE_TYPES } from './resource.js';

const CMS = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, data: Record<string, string> = { k: 'v' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

function setup(pageSize = 500) {
  const fake = new FakeTransport();
  const client = new Client(fake);
  const clock = new FakeClock();
  const log: string[] = [];
  const informer = new SharedInformer(client, RESOURCE_TYPES.configmaps, { clock, logger: silentLogger, pageSize, backoff: { jitter: 0 } });
  const handler: EventHandler<KubeObject> = {
    onAdd: (o, initial) => log.push(`add ${o.metadata?.name}${initial ? ' (initial)' : ''}`),
    onUpdate: (old, o) => log.push(`update ${o.metadata?.name} ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
    onDelete: (o) => log.push(isTombstone(o) ? `tombstone ${o.key}` : `delete ${o.metadata?.name}`),
  };
  informer.addEventHandler(handler);
  return { fake, client, clock, log, informer };
}

/** Lets the informer's loop run until `check` holds (no time passes). */
async function until(clock: FakeClock, check: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !check(); i++) await clock.settle();
  assert.ok(check(), 'condition not reached');
}

const lists = (fake: FakeTransport) => fake.requests.filter((r) => r.method === 'GET' && r.path.split('?')[0] === '/api/v1/configmaps').length;
const watches = (fake: FakeTransport) => fake.requests.filter((r) => r.method === 'WATCH').map((r) => new URLSearchParams(r.path.split('?')[1]));

describe('SharedInformer', () => {
  it('lists in pages, syncs, then sees adds, updates (with the old object) and deletes', async () => {
    const { fake, client, clock, log, informer } = setup(2);
    for (const n of ['a', 'b', 'c']) await client.create(RESOURCE_TYPES.configmaps, cm(n));
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(log.splice(0), ['add a (initial)', 'add b (initial)', 'add c (initial)']);
    const lists = fake.requests.filter((r) => r.method === 'GET');
    assert.equal(lists.length, 2, 'three objects in pages of two');
    assert.match(lists[1]!.path, /continue=2/);
    await until(clock, () => fake.openWatches === 1);
    const w = watches(fake)[0]!;
    assert.equal(w.get('resourceVersion'), '4');
    assert.equal(w.get('allowWatchBookmarks'), 'true');

    const b = informer.indexer.get('default/b')!;
    await client.update(RESOURCE_TYPES.configmaps, { ...b, data: { k: 'v2' } });
    await client.create(RESOURCE_TYPES.configmaps, cm('d'));
    await client.delete(RESOURCE_TYPES.configmaps, 'a', { namespace: 'default' });
    await until(clock, () => log.length === 3);
    assert.deepEqual(log, ['update b 3->5', 'add d', 'delete a']);
    assert.deepEqual(informer.lister().list().map((o) => o.metadata?.name).sort(), ['b', 'c', 'd']);
    assert.equal(informer.lastSyncResourceVersion, '7');
    await informer.stop();
  });

  it('resumes from the last resourceVersion when the watch ends, and follows bookmarks', async () => {
    const { fake, client, clock, log, informer } = setup();
    informer.start();
    await informer.waitForSync();
    await until(clock, () => fake.openWatches === 1);
    await client.create(RESOURCE_TYPES.configmaps, cm('a'));
    await until(clock, () => log.length === 1);
    fake.sendToWatches(CMS, { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '40' } } });
    await until(clock, () => informer.lastSyncResourceVersion === '40');
    fake.endWatches();
    await until(clock, () => fake.openWatches === 1);
    assert.deepEqual(watches(fake).map((w) => w.get('resourceVersion')), ['1', '40']);
    assert.equal(lists(fake), 1, 'no relist');
    await informer.stop();
  });

  it('backs off when the server is unreachable, then relists on 410 Gone: tombstones, updates, adds', async () => {
    const { fake, client, clock, log, informer } = setup();
    for (const n of ['x', 'y']) await client.create(RESOURCE_TYPES.configmaps, cm(n));
    informer.start();
    await informer.waitForSync();
    await until(clock, () => fake.openWatches === 1);
    log.length = 0;
    fake.watchFailure = new Error('connect ECONNREFUSED');
    fake.endWatches();
    await until(clock, () => clock.pendingTimers === 1);
    // Changes the informer cannot see, then history is compacted away.
    await client.delete(RESOURCE_TYPES.configmaps, 'x', { namespace: 'default' });
    const y = (await client.get(RESOURCE_TYPES.configmaps, 'y', { namespace: 'default' }))!;
    await client.update(RESOURCE_TYPES.configmaps, { ...y, data: { k: 'new' } });
    await client.create(RESOURCE_TYPES.configmaps, cm('z'));
    fake.compact();
    // An empty watch that ends at once counts as a failure: 800 ms, then 1600 ms.
    await clock.advance(799);
    assert.equal(watches(fake).length, 1, 'backing off');
    await clock.advance(1);
    assert.equal(watches(fake).length, 2, 'retried, refused');
    fake.watchFailure = undefined;
    await clock.advance(1599);
    assert.equal(watches(fake).length, 2, 'backing off longer');
    await clock.advance(1);
    await until(clock, () => log.length === 3);
    assert.deepEqual(log, ['tombstone default/x', 'update y 3->5', 'add z']);
    assert.equal(lists(fake), 2, 'relisted once');
    assert.deepEqual(informer.indexer.listKeys().sort(), ['default/y', 'default/z']);
    await informer.stop();
  });

  it('relists when the watch stream carries an ERROR 410', async () => {
    const { fake, clock, informer } = setup();
    informer.start();
    await informer.waitForSync();
    await until(clock, () => fake.openWatches === 1);
    fake.sendToWatches(CMS, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old' } as never });
    await until(clock, () => lists(fake) === 2);
    await informer.stop();
  });

  it('replays the cache to a handler added late, keeps custom indices, and stops promptly', async () => {
    const { fake, client, informer } = setup();
    await client.create(RESOURCE_TYPES.configmaps, cm('a'));
    informer.addIndexers({ key: fieldIndex('data.k') });
    informer.start();
    await informer.waitForSync();
    const late: string[] = [];
    const reg = informer.addEventHandler({ onAdd: (o, initial) => late.push(`${o.metadata?.name} ${initial}`) });
    assert.deepEqual(late, ['a true']);
    assert.equal(informer.indexer.byIndex('key', 'v').length, 1);
    reg.remove();
    await client.create(RESOURCE_TYPES.configmaps, cm('b'));
    await informer.stop();
    assert.equal(fake.openWatches, 0);
    assert.deepEqual(late, ['a true']);
  });

  it('stop before sync: waitForSync resolves false', async () => {
    const { fake, informer } = setup();
    fake.intercept = () => new Promise(() => {});
    informer.start();
    const waiting = informer.waitForSync();
    await informer.stop();
    assert.equal(await waiting, false);
  });
});

describe('InformerFactory', () => {
  it('shares one informer per resource and waits for all to sync', async () => {
    const fake = new FakeTransport();
    const client = new Client(fake);
    const factory = new InformerFactory(client, { logger: silentLogger, clock: new FakeClock() });
    const a = factory.informerFor(RESOURCE_TYPES.pods, { indexers: { node: fieldIndex('spec.nodeName') } });
    const b = factory.informerFor(RESOURCE_TYPES.pods);
    assert.equal(a, b);
    assert.ok(b.indexer.hasIndex('node'));
    factory.informerFor(RESOURCE_TYPES.nodes);
    factory.start();
    assert.equal(await factory.waitForCacheSync(), true);
    assert.equal(fake.requests.filter((r) => r.method === 'GET').length, 2);
    await factory.stop();
  });
});
