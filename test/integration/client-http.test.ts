/**
 * The client library against a real API server over HTTPS/HTTP2 with the admin
 * kubeconfig (how separate processes and machines connect): typed errors, an informer
 * that follows adds, updates and deletes and survives a server restart, two leader
 * candidates that never both lead, and the event recorder's de-duplication.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/cmd/server.js';
import { ApiError } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/object.js';
import { silentLogger } from '../../src/util/logger.js';
import { Client, EventRecorder, HttpTransport, LeaderElector, RESOURCE_TYPES, SharedInformer, isTombstone } from '../../src/client/index.js';
import { waitFor } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-client-http-'));
let server: RunningServer;
let port = 0;
let transport: HttpTransport;
let client: Client;

const start = () => startServer({ dataDir: dir, port, bindAddress: '127.0.0.1', serviceCidr: '10.43.0.0/16', tlsSan: [], disableAgent: true, print: () => {} });

before(async () => {
  server = await start();
  port = Number(new URL(server.url).port);
  transport = HttpTransport.fromKubeconfig(server.kubeconfig);
  client = new Client(transport);
  await client.create(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'client-http' } });
});

after(async () => {
  transport?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const NS = 'client-http';
const cm = (name: string, data: Record<string, string> = { k: 'v' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });


describe('Client over HTTPS', () => {
  it('round-trips objects and returns the server’s Status as ApiError', async () => {
    const created = await client.create(RESOURCE_TYPES.configmaps, cm('http-1'));
    assert.ok(created.metadata?.uid);
    const got = await client.get(RESOURCE_TYPES.configmaps, 'http-1', { namespace: NS });
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await client.update(RESOURCE_TYPES.configmaps, { ...got, data: { k: 'v2' } });
    await assert.rejects(client.update(RESOURCE_TYPES.configmaps, { ...got, data: { k: 'v3' } }), (err: unknown) => err instanceof ApiError && err.code === 409 && err.reason === 'Conflict');
    await assert.rejects(client.get(RESOURCE_TYPES.configmaps, 'missing', { namespace: NS }), (err: unknown) => err instanceof ApiError && err.code === 404 && err.message === 'configmaps "missing" not found' && err.details?.name === 'missing');
    await assert.rejects(
      client.create(RESOURCE_TYPES.configmaps, cm('Not_A_Name')),
      (err: unknown) => err instanceof ApiError && err.code === 422 && err.reason === 'Invalid' && (err.details?.causes?.length ?? 0) > 0,
    );
    const patched = await client.patch(RESOURCE_TYPES.configmaps, 'http-1', 'strategic', { data: { extra: 'x' } }, { namespace: NS });
    assert.deepEqual(patched['data'], { k: 'v2', extra: 'x' });
    await client.delete(RESOURCE_TYPES.configmaps, 'http-1', { namespace: NS });
  });
});

describe('SharedInformer over HTTPS', () => {
  it('sees adds, updates and deletes, and keeps following across a server restart', { timeout: 90_000 }, async () => {
    const log: string[] = [];
    const informer = new SharedInformer(client, RESOURCE_TYPES.configmaps, { namespace: NS, labelSelector: 'test=informer', logger: silentLogger, pageSize: 2 });
    informer.addEventHandler({
      onAdd: (o) => log.push(`add ${o.metadata?.name}`),
      onUpdate: (old, o) => log.push(`update ${o.metadata?.name} ${(old['data'] as Record<string, string>)['k']}->${(o['data'] as Record<string, string>)['k']}`),
      onDelete: (o) => log.push(`${isTombstone(o) ? 'tombstone' : 'delete'} ${isTombstone(o) ? o.key : o.metadata?.name}`),
    });
    const labelled = (name: string, k = 'v') => ({ ...cm(name, { k }), metadata: { name, namespace: NS, labels: { test: 'informer' } } });
    for (const n of ['i-1', 'i-2', 'i-3']) await client.create(RESOURCE_TYPES.configmaps, labelled(n));
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(log.splice(0).sort(), ['add i-1', 'add i-2', 'add i-3']);

    const i2 = await client.get(RESOURCE_TYPES.configmaps, 'i-2', { namespace: NS });
    await client.update(RESOURCE_TYPES.configmaps, { ...i2, data: { k: 'changed' } });
    await client.delete(RESOURCE_TYPES.configmaps, 'i-3', { namespace: NS });
    await client.create(RESOURCE_TYPES.configmaps, labelled('i-4'));
    await waitFor('three events', () => log.length >= 3);
    assert.deepEqual(log.splice(0), ['update i-2 v->changed', 'delete i-3', 'add i-4']);

    // Restart the server on the same port and data directory; the same transport reconnects.
    await server.stop();
    server = await start();
    await client.create(RESOURCE_TYPES.configmaps, labelled('i-5'));
    await client.delete(RESOURCE_TYPES.configmaps, 'i-1', { namespace: NS });
    await waitFor('events after the restart', () => log.length >= 2, 60_000);
    assert.deepEqual(log.splice(0), ['add i-5', 'delete i-1']);
    assert.deepEqual(informer.lister().namespace(NS).list('test=informer').map((o) => o.metadata?.name).sort(), ['i-2', 'i-4', 'i-5']);
    await informer.stop();
  });
});

describe('leader election over HTTPS', () => {
  it('two candidates never both lead: handover on release, and when the leader is cut off', { timeout: 60_000 }, async () => {
    // Short timings keep the test quick; the ratios are upstream's (15 : 10 : 2).
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
    const transports = [HttpTransport.fromKubeconfig(server.kubeconfig), HttpTransport.fromKubeconfig(server.kubeconfig), HttpTransport.fromKubeconfig(server.kubeconfig)];
    const leading = new Set<string>();
    let overlap = false;
    const candidate = (identity: string, t: HttpTransport) =>
      new LeaderElector({
        client: new Client(t),
        namespace: 'kube-system',
        name: 'client-test',
        identity,
        ...timings,
        logger: silentLogger,
        onStartedLeading: () => {
          if (leading.size > 0) overlap = true;
          leading.add(identity);
        },
        onStoppedLeading: () => void leading.delete(identity),
      });
    const a = candidate('a', transports[0]!);
    const b = candidate('b', transports[1]!);
    const runs = [a.run(), b.run()];
    const sampler = setInterval(() => {
      if (a.isLeader() && b.isLeader()) overlap = true;
    }, 5);
    try {
      await waitFor('a leader', () => a.isLeader() || b.isLeader());
      await new Promise((r) => setTimeout(r, 1000));
      const [first, second] = a.isLeader() ? [a, b] : [b, a];
      assert.equal(second.isLeader(), false);
      assert.equal(second.getLeader(), first === a ? 'a' : 'b');
      // Release on stop: the other takes over without waiting out the lease.
      await first.stop();
      await waitFor('handover', () => second.isLeader(), 5000);
      // Cut the new leader off from the server: it steps down, a third candidate takes over.
      const c = candidate('c', transports[2]!);
      runs.push(c.run());
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(c.isLeader(), false);
      (first === a ? transports[1]! : transports[0]!).close();
      await waitFor('the cut-off leader to step down', () => !second.isLeader(), 5000);
      await waitFor('the third candidate to lead', () => c.isLeader(), 10_000);
      await c.stop();
      await second.stop();
      await Promise.all(runs);
      assert.equal(overlap, false, 'two candidates led at once');
      const lease = await client.get(RESOURCE_TYPES.leases, 'client-test', { namespace: 'kube-system' });
      assert.equal((lease['spec'] as { holderIdentity: string }).holderIdentity, '');
      assert.equal((lease['spec'] as { leaseTransitions: number }).leaseTransitions, 2);
    } finally {
      clearInterval(sampler);
      await Promise.all([a.stop(), b.stop()]);
      for (const t of transports) t.close();
    }
  });
});

describe('event recorder over HTTPS', () => {
  it('de-duplicates repeated events into one Event with a count', async () => {
    const owner = await client.create(RESOURCE_TYPES.configmaps, cm('ev-owner'));
    const recorder = new EventRecorder(client, { component: 'client-test', host: 'h1' }, { logger: silentLogger });
    for (let i = 0; i < 3; i++) recorder.event(owner, 'Warning', 'Repeated', 'the same thing happened');
    recorder.event(owner, 'Normal', 'Other', 'something else');
    await recorder.flush();
    const events = (await client.list(RESOURCE_TYPES.events, { namespace: NS, fieldSelector: 'involvedObject.name=ev-owner' })).items as Record<string, any>[];
    assert.equal(events.length, 2);
    const repeated = events.find((e) => e['reason'] === 'Repeated')!;
    assert.equal(repeated['count'], 3);
    assert.match(repeated['metadata'].name, /^ev-owner\.[0-9a-f]+$/);
    assert.equal(repeated['involvedObject'].uid, owner.metadata?.uid);
    assert.deepEqual(repeated['source'], { component: 'client-test', host: 'h1' });
    assert.ok(repeated['lastTimestamp'] >= repeated['firstTimestamp']);
    await recorder.stop();
  });
});
