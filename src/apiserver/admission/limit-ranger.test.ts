import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LimitRange, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Mutable } from '../../api/object.js';
import { LIMIT_RANGER_ANNOTATION, aggregate, applyContainerDefaults, defaultedItem, validateClaim, validatePod } from './limit-ranger.js';

const range = (...limits: object[]): LimitRange => ({ metadata: { name: 'lr' }, spec: { limits } }) as LimitRange;
const pod = (...containers: object[]): Mutable<Pod> => ({ metadata: { name: 'p' }, spec: { containers } }) as Mutable<Pod>;

describe('LimitRanger defaults', () => {
  it('fills missing requests and limits and records them in the annotation', () => {
    const p = pod({ name: 'a' }, { name: 'b', resources: { requests: { cpu: '100m' } } });
    applyContainerDefaults(p, range({ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '200m', memory: '128Mi' } }));
    assert.deepEqual(p.spec!.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '128Mi' } });
    assert.deepEqual(p.spec!.containers[1]!.resources!.requests, { cpu: '100m', memory: '128Mi' });
    assert.equal(
      p.metadata!.annotations![LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; cpu, memory limit for container b',
    );
  });

  it('leaves a pod alone (no annotation) when nothing was missing', () => {
    const p = pod({ name: 'a', resources: { requests: { cpu: '1' }, limits: { cpu: '1' } } });
    applyContainerDefaults(p, range({ type: 'Container', default: { cpu: '2' } }));
    assert.equal(p.metadata!.annotations, undefined);
  });

  it('defaults an item as the API does: default from max, defaultRequest from default then min', () => {
    const item = defaultedItem({ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } });
    assert.deepEqual(item.default, { cpu: '2' });
    assert.deepEqual(item.defaultRequest, { cpu: '2', memory: '64Mi' });
  });
});

describe('LimitRanger checks', () => {
  const lr = range({ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '2' } });
  it('words max, min and ratio violations as upstream', () => {
    assert.deepEqual(validatePod(pod({ name: 'a', resources: { requests: { cpu: '500m' }, limits: { cpu: '2' } } }), lr), [
      'maximum cpu usage per Container is 1, but limit is 2',
      'cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
    ]);
    assert.deepEqual(validatePod(pod({ name: 'a', resources: { requests: { cpu: '50m' }, limits: { cpu: '50m' } } }), lr), ['minimum cpu usage per Container is 100m, but request is 50m']);
    assert.deepEqual(validatePod(pod({ name: 'a', resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }), lr), []);
    assert.deepEqual(validatePod(pod({ name: 'a' }), range({ type: 'Container', max: { memory: '1Gi' } })), ['maximum memory usage per Container is 1Gi.  No limit is specified']);
  });

  it('checks Pod items against the sum of the containers', () => {
    const two = pod({ name: 'a', resources: { limits: { memory: '600Mi' } } }, { name: 'b', resources: { limits: { memory: '600Mi' } } });
    assert.deepEqual(validatePod(two, range({ type: 'Pod', max: { memory: '1Gi' } })), ['maximum memory usage per Pod is 1Gi, but limit is 1200Mi']);
  });

  it('checks claim requests against PersistentVolumeClaim items', () => {
    const pvc = (storage: string) => ({ metadata: { name: 'c' }, spec: { resources: { requests: { storage } } } }) as PersistentVolumeClaim;
    const claims = range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
    assert.deepEqual(validateClaim(pvc('5Gi'), claims), ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi']);
    assert.deepEqual(validateClaim(pvc('500Mi'), claims), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
    assert.deepEqual(validateClaim(pvc('1Gi'), claims), []);
  });

  it('aggregates several messages as upstream', () => {
    assert.equal(aggregate(['a']), 'a');
    assert.equal(aggregate(['a', 'b', 'a']), '[a, b]');
  });
});
