import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../object.js';
import { calculateUsed, usageOf, type QuotaLike } from './usage.js';
import { add, prettyPrint, subtract } from './resource-list.js';

const now = new Date('2026-01-01T00:00:00Z');
const obj = (o: object) => o as unknown as StoredObject;

describe('quota usage', () => {
  it('sums quantities exactly and prints them canonically', () => {
    assert.deepEqual(add({ memory: '1Gi', cpu: '500m' }, { memory: '512Mi', cpu: '1' }), { memory: '1536Mi', cpu: '1500m' });
    assert.deepEqual(subtract({ pods: '3' }, { pods: '1' }), { pods: '2' });
    assert.equal(prettyPrint({ pods: '1', 'requests.cpu': '100m' }), 'pods=1,requests.cpu=100m');
  });

  it('counts a pod’s compute, init containers as a floor, limits standing in for requests', () => {
    const pod = obj({
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'a', resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }],
      },
    });
    assert.deepEqual(usageOf({ group: '', resource: 'pods' }, pod, now), {
      'count/pods': '1',
      pods: '1',
      cpu: '1',
      'requests.cpu': '1',
      memory: '1Gi',
      'requests.memory': '1Gi',
      'limits.memory': '1Gi',
    });
  });

  it('stops counting terminal pods except under count/pods', () => {
    const pod = obj({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Succeeded' } });
    assert.deepEqual(usageOf({ group: '', resource: 'pods' }, pod, now), { 'count/pods': '1' });
  });

  it('counts services’ load balancers and node ports, claims per class, any kind under count/', () => {
    const svc = obj({ metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } });
    assert.deepEqual(usageOf({ group: '', resource: 'services' }, svc, now), { 'count/services': '1', services: '1', 'services.nodeports': '2', 'services.loadbalancers': '1' });
    const pvc = obj({ metadata: { name: 'c' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } });
    assert.deepEqual(usageOf({ group: '', resource: 'persistentvolumeclaims' }, pvc, now), {
      'count/persistentvolumeclaims': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '5Gi',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
    });
    assert.deepEqual(usageOf({ group: 'apps', resource: 'deployments' }, obj({ metadata: { name: 'd' } }), now), { 'count/deployments.apps': '1' });
  });

  it('recalculates used over the hard names only, zero where nothing counts', () => {
    const quota = { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'count/deployments.apps': '5', secrets: '3' } } } as QuotaLike;
    const pods = [obj({ metadata: { name: 'a' }, spec: {} }), obj({ metadata: { name: 'b' }, spec: {}, status: { phase: 'Failed' } })];
    const used = calculateUsed(quota, [{ gr: { group: '', resource: 'pods' }, objects: pods }, { gr: { group: 'apps', resource: 'deployments' }, objects: [obj({ metadata: { name: 'd' } })] }], now);
    assert.deepEqual(used, { pods: '1', 'count/deployments.apps': '1', secrets: '0' });
  });
});
