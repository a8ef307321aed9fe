import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Mutable } from '../../api/object.js';
import { addDefaultTolerations } from './default-toleration-seconds.js';

const spec = (tolerations?: object[]) => ({ containers: [], ...(tolerations ? { tolerations } : {}) }) as unknown as Mutable<NonNullable<Pod['spec']>>;

describe('DefaultTolerationSeconds', () => {
  it('adds both tolerations to a pod without any', () => {
    const s = spec();
    addDefaultTolerations(s);
    assert.deepEqual(s.tolerations?.map((t) => [t.key, t.effect, t.tolerationSeconds]), [
      ['node.kubernetes.io/not-ready', 'NoExecute', 300],
      ['node.kubernetes.io/unreachable', 'NoExecute', 300],
    ]);
  });

  it('treats an empty key or effect as covering the taint', () => {
    const keyless = spec([{ operator: 'Exists', effect: 'NoExecute' }]);
    addDefaultTolerations(keyless);
    assert.equal(keyless.tolerations!.length, 1);
    const effectless = spec([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }]);
    addDefaultTolerations(effectless);
    assert.deepEqual(effectless.tolerations!.map((t) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    const noSchedule = spec([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }]);
    addDefaultTolerations(noSchedule);
    assert.equal(noSchedule.tolerations!.length, 3);
  });
});
