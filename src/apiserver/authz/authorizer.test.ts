import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo } from '../request-info.js';
import { attributesOf, forbiddenMessage } from './authorizer.js';
import { AlwaysAllowAuthenticated } from './always-allow-authenticated.js';

const bob = { name: 'bob', groups: ['system:authenticated'] };

test('request attributes come from the request info', () => {
  const attrs = attributesOf(parseRequestInfo('POST', '/api/v1/namespaces/a/pods/p/eviction', new URLSearchParams()));
  assert.deepEqual(attrs, { resourceRequest: true, verb: 'create', namespace: 'a', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: 'eviction', name: 'p' });
  assert.deepEqual(attributesOf(parseRequestInfo('GET', '/healthz', new URLSearchParams())), { resourceRequest: false, verb: 'get', path: '/healthz' });
});

test('forbidden messages are worded as upstream', () => {
  const list = attributesOf(parseRequestInfo('GET', '/apis/apps/v1/namespaces/a/deployments', new URLSearchParams()));
  assert.equal(forbiddenMessage(bob, list), 'User "bob" cannot list resource "deployments" in API group "apps" in the namespace "a"');
  const nodes = attributesOf(parseRequestInfo('DELETE', '/api/v1/nodes/n1', new URLSearchParams()));
  assert.equal(forbiddenMessage(bob, nodes), 'User "bob" cannot delete resource "nodes" in API group "" at the cluster scope');
  assert.equal(forbiddenMessage(bob, { resourceRequest: false, verb: 'get', path: '/metrics' }), 'User "bob" cannot get path "/metrics"');
});

test('today: authenticated users may do anything, anonymous gets no opinion', async () => {
  const authz = new AlwaysAllowAuthenticated();
  const attrs = { resourceRequest: false as const, verb: 'get', path: '/x' };
  assert.equal((await authz.authorize(bob, attrs)).decision, 'allow');
  assert.equal((await authz.authorize({ name: 'system:anonymous', groups: ['system:unauthenticated'] }, attrs)).decision, 'noOpinion');
  const rules = await authz.rulesFor(bob, 'default');
  assert.equal(rules.incomplete, false);
  assert.deepEqual(rules.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
});
