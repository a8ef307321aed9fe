import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa.js';

describe('HorizontalPodAutoscaler v1 ↔ v2', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 },
  };

  it('turns the CPU target and current value into v2 Resource metrics, and back', () => {
    const v2 = hpaV1ToV2(v1);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual((v2['spec'] as Record<string, unknown>)['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    assert.deepEqual((v2['status'] as Record<string, unknown>)['currentMetrics'], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }]);
    assert.deepEqual(hpaV2ToV1(v2), v1);
  });

  it('keeps what v1 cannot say in annotations, so v2 → v1 → v2 is lossless', () => {
    const v2 = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', annotations: { keep: 'me' } },
      spec: {
        maxReplicas: 9,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
      status: { currentReplicas: 1, desiredReplicas: 1, conditions: [{ type: 'AbleToScale', status: 'True' }] },
    };
    const v1back = hpaV2ToV1(v2);
    assert.equal((v1back['spec'] as Record<string, unknown>)['targetCPUUtilizationPercentage'], 50);
    assert.ok(v1back.metadata?.annotations?.['autoscaling.alpha.kubernetes.io/metrics']);
    const again = hpaV1ToV2(v1back);
    assert.deepEqual(again.metadata, v2.metadata);
    assert.deepEqual((again['spec'] as Record<string, unknown>)['behavior'], v2.spec.behavior);
    assert.equal(((again['spec'] as Record<string, unknown>)['metrics'] as unknown[]).length, 2);
    assert.deepEqual((again['status'] as Record<string, unknown>)['conditions'], v2.status.conditions);
  });
});
