import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo } from './request-info.js';

const info = (method: string, url: string) => {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};

test('namespaced resources, names and subresources', () => {
  assert.deepEqual(info('GET', '/api/v1/namespaces/default/pods'), {
    isResourceRequest: true, verb: 'list', group: '', version: 'v1', namespace: 'default', resource: 'pods', subresource: '', name: '', prefix: '/api',
  });
  const r = info('PATCH', '/apis/apps/v1/namespaces/ns1/deployments/web/scale');
  assert.ok(r.isResourceRequest);
  assert.deepEqual([r.verb, r.group, r.namespace, r.resource, r.name, r.subresource], ['patch', 'apps', 'ns1', 'deployments', 'web', 'scale']);
});

test('watch by parameter and by deprecated path', () => {
  const a = info('GET', '/api/v1/pods?watch=true');
  const b = info('GET', '/api/v1/watch/namespaces/default/pods/x');
  assert.ok(a.isResourceRequest && b.isResourceRequest);
  assert.deepEqual([a.verb, a.namespace], ['watch', '']);
  assert.deepEqual([b.verb, b.namespace, b.name], ['watch', 'default', 'x']);
});

test('namespaces themselves and their subresources', () => {
  const a = info('GET', '/api/v1/namespaces/kube-system');
  const b = info('PUT', '/api/v1/namespaces/kube-system/finalize');
  assert.ok(a.isResourceRequest && b.isResourceRequest);
  assert.deepEqual([a.verb, a.resource, a.name, a.namespace], ['get', 'namespaces', 'kube-system', 'kube-system']);
  assert.deepEqual([b.verb, b.resource, b.name, b.subresource], ['update', 'namespaces', 'kube-system', 'finalize']);
});

test('collections: deletecollection; discovery paths are not resource requests', () => {
  const a = info('DELETE', '/api/v1/namespaces/default/configmaps');
  assert.ok(a.isResourceRequest);
  assert.equal(a.verb, 'deletecollection');
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/healthz', '/version', '/openapi/v3']) {
    assert.equal(info('GET', p).isResourceRequest, false, p);
  }
});

test('path segments are %-decoded; a bad escape is a 400', () => {
  const r = info('GET', '/api/v1/namespaces/de%66ault/configmaps/a%3Ab');
  assert.ok(r.isResourceRequest);
  assert.deepEqual([r.namespace, r.name], ['default', 'a:b']);
  assert.throws(() => info('GET', '/api/v1/namespaces/default/configmaps/x%zz'), (err: { code?: number }) => err.code === 400);
});
