import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../../../api/object.js';
import { podStrategy } from './pods.js';

const pod = (resources: Record<string, unknown>): StoredObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources }], initContainers: [{ name: 'i', image: 'busybox', resources }] } }) as unknown as StoredObject;

describe('pod defaulting', () => {
  it('copies each limit without a request into the requests, in containers and init containers', () => {
    const p = pod({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } });
    podStrategy.defaults!(p);
    const spec = p['spec'] as { containers: { resources: unknown; imagePullPolicy: string }[]; initContainers: { resources: unknown }[] };
    assert.deepEqual(spec.containers[0]!.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.deepEqual(spec.initContainers[0]!.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
  });

  it('leaves containers without limits alone', () => {
    const p = pod({ requests: { cpu: '100m' } });
    podStrategy.defaults!(p);
    assert.deepEqual((p['spec'] as { containers: { resources: unknown }[] }).containers[0]!.resources, { requests: { cpu: '100m' } });
  });
});
