import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../../api/object.js';
import { limitRangeStrategy } from './other-kinds.js';

describe('LimitRange defaulting', () => {
  it('Container items: default from max, defaultRequest from default then min; other types untouched', () => {
    const lr = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'l' },
      spec: {
        limits: [
          { type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '100m', 'ephemeral-storage': '1Gi' }, default: { cpu: '1' } },
          { type: 'Pod', max: { cpu: '4' } },
        ],
      },
    } as unknown as StoredObject;
    limitRangeStrategy.defaults!(lr);
    const [container, podItem] = (lr['spec'] as { limits: Record<string, unknown>[] }).limits;
    assert.deepEqual(container!['default'], { cpu: '1', memory: '1Gi' });
    assert.deepEqual(container!['defaultRequest'], { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' });
    assert.deepEqual(podItem, { type: 'Pod', max: { cpu: '4' } });
  });
});
