import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, tooManyRequests } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { Client } from './client.js';
import { FakeTransport, statusResponse } from './fake-transport.js';
import { RESOURCE_TYPES, resourcePath, resourceType, resourceTypeForKind } from './resource.js';

const cm = (name: string, data: Record<string, string> = { k: 'v' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

describe('resource types and paths', () => {
  it('resolves from the resource table and builds upstream paths', () => {
    const deploy = resourceTypeForKind('apps/v1', 'Deployment');
    assert.deepEqual(deploy, { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true, kind: 'Deployment' });
    assert.equal(resourcePath(deploy, 'ns', 'web', 'scale'), '/apis/apps/v1/namespaces/ns/deployments/web/scale');
    assert.equal(resourcePath(RESOURCE_TYPES.pods, undefined), '/api/v1/pods');
    assert.equal(resourcePath(RESOURCE_TYPES.nodes, 'ignored', 'n1'), '/api/v1/nodes/n1');
    assert.throws(() => resourceType('', 'v1', 'widgets'), /unknown resource/);
  });
});

describe('Client', () => {
  it('creates, gets, lists, updates, patches and deletes', async () => {
    const fake = new FakeTransport();
    const client = new Client(fake, { fieldManager: 'test' });
    const created = await client.create(RESOURCE_TYPES.configmaps, cm('a'));
    assert.ok(created.metadata?.uid);
    assert.equal(fake.requests.at(-1)!.path, '/api/v1/namespaces/default/configmaps?fieldManager=test');
    const got = await client.get(RESOURCE_TYPES.configmaps, 'a', { namespace: 'default' });
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await client.create(RESOURCE_TYPES.configmaps, cm('b'));
    const list = await client.list(RESOURCE_TYPES.configmaps, { namespace: 'default', limit: 1 });
    assert.equal(list.items.length, 1);
    assert.ok(list.metadata.continue);
    const updated = await client.update(RESOURCE_TYPES.configmaps, { ...got, data: { k: 'v2' } });
    assert.equal(updated['data'] && (updated['data'] as Record<string, string>)['k'], 'v2');
    const patched = await client.patch(RESOURCE_TYPES.configmaps, 'a', 'merge', { data: { extra: 'x' } }, { namespace: 'default' });
    assert.deepEqual(patched['data'], { k: 'v2', extra: 'x' });
    assert.equal(fake.requests.at(-1)!.method, 'PATCH');
    await client.delete(RESOURCE_TYPES.configmaps, 'a', { namespace: 'default', propagationPolicy: 'Background' });
    assert.deepEqual(fake.requests.at(-1)!.body, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  });

  it('turns failures into ApiError from the Status: NotFound, AlreadyExists, Conflict on a stale resourceVersion', async () => {
    const client = new Client(new FakeTransport());
    await assert.rejects(client.get(RESOURCE_TYPES.configmaps, 'nope', { namespace: 'default' }), (err: unknown) => err instanceof ApiError && err.code === 404 && err.reason === 'NotFound' && err.message === 'configmaps "nope" not found');
    const a = await client.create(RESOURCE_TYPES.configmaps, cm('a'));
    await assert.rejects(client.create(RESOURCE_TYPES.configmaps, cm('a')), (err: unknown) => err instanceof ApiError && err.reason === 'AlreadyExists');
    await client.update(RESOURCE_TYPES.configmaps, { ...a, data: { k: '1' } });
    await assert.rejects(client.update(RESOURCE_TYPES.configmaps, { ...a, data: { k: '2' } }), (err: unknown) => err instanceof ApiError && err.code === 409 && err.reason === 'Conflict');
  });

  it('requires a namespace for namespaced objects', async () => {
    const client = new Client(new FakeTransport());
    await assert.rejects(client.get(RESOURCE_TYPES.pods, 'p'), /a namespace is required/);
  });

  it('watch yields events and throws the ApiError of an ERROR event', async () => {
    const fake = new FakeTransport();
    const client = new Client(fake);
    const first = await client.create(RESOURCE_TYPES.configmaps, cm('a'));
    const stream = client.watch(RESOURCE_TYPES.configmaps, { namespace: 'default', resourceVersion: '1' });
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of stream) {
        seen.push(`${e.type} ${e.object.metadata?.name}`);
        if (seen.length === 2) fake.sendToWatches('/api/v1/namespaces/default/configmaps', { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } as never });
      }
    })();
    await client.update(RESOURCE_TYPES.configmaps, { ...first, data: { k: '2' } });
    await assert.rejects(done, (err: unknown) => err instanceof ApiError && err.code === 410);
    assert.deepEqual(seen, ['ADDED a', 'MODIFIED a']);
  });
});

describe('Client retries throttled requests', () => {
  it('waits Retry-After on 429 and tries again, giving up after maxRetries', async () => {
    const transport = new FakeTransport();
    let refusals = 2;
    transport.intercept = () => {
      if (refusals-- <= 0) return undefined;
      const res = statusResponse(tooManyRequests('too many requests, please try again later', 3));
      return { ...res, headers: { ...res.headers, 'retry-after': '3' } };
    };
    const waits: number[] = [];
    const client = new Client(transport, { sleep: async (ms) => void waits.push(ms), maxRetries: 3 });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };
    await client.create(RESOURCE_TYPES.configmaps, cm);
    assert.deepEqual(waits, [3000, 3000]);
    refusals = 10;
    await assert.rejects(client.get(RESOURCE_TYPES.configmaps, 'x', { namespace: 'default' }), (err: unknown) => (err as { code?: number }).code === 429);
    assert.equal(waits.length, 5);
  });
});
