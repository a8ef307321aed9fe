import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, currentNoExecuteKey, desiredNoExecuteKey, desiredNoScheduleKeys, withManagedTaints } from './node-taints.js';

const node = (ready: string | undefined, taints: Taint[] = [], extra: { unschedulable?: boolean; memory?: boolean } = {}): Node => ({
  metadata: { name: 'n' },
  spec: { taints, ...(extra.unschedulable ? { unschedulable: true } : {}) },
  status: {
    conditions: [...(ready ? [{ type: 'Ready', status: ready }] : []), ...(extra.memory ? [{ type: 'MemoryPressure', status: 'True' }] : [])],
  },
});

describe('node taints', () => {
  it('derives NoSchedule keys from conditions and spec', () => {
    assert.deepEqual(desiredNoScheduleKeys(node('True')), []);
    assert.deepEqual(desiredNoScheduleKeys(node('False')), [TAINT_NOT_READY]);
    assert.deepEqual(desiredNoScheduleKeys(node('Unknown', [], { memory: true, unschedulable: true })), [TAINT_UNREACHABLE, 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/unschedulable']);
    assert.deepEqual(desiredNoScheduleKeys(node(undefined)), [], 'a node that never posted waits for the startup grace');
    assert.equal(desiredNoExecuteKey(node(undefined)), undefined);
  });

  it('derives the NoExecute key from Ready', () => {
    assert.equal(desiredNoExecuteKey(node('True')), undefined);
    assert.equal(desiredNoExecuteKey(node('False')), TAINT_NOT_READY);
    assert.equal(desiredNoExecuteKey(node('Unknown')), TAINT_UNREACHABLE);
    assert.equal(currentNoExecuteKey(node('Unknown', [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }])), undefined);
    assert.equal(currentNoExecuteKey(node('Unknown', [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }])), TAINT_UNREACHABLE);
  });

  it('adds, swaps and removes managed taints and leaves others alone', () => {
    const foreign: Taint = { key: 'example.com/gpu', effect: 'NoSchedule' };
    const added = withManagedTaints(node('Unknown', [foreign]), 'NoExecute', [TAINT_UNREACHABLE], 'T1')!;
    assert.deepEqual(added, [foreign, { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 'T1' }]);
    assert.equal(withManagedTaints(node('Unknown', added), 'NoExecute', [TAINT_UNREACHABLE], 'T2'), undefined, 'unchanged keeps timeAdded');
    const swapped = withManagedTaints(node('False', added), 'NoExecute', [TAINT_NOT_READY], 'T3')!;
    assert.deepEqual(swapped, [foreign, { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: 'T3' }]);
    assert.deepEqual(withManagedTaints(node('True', swapped), 'NoExecute', [], 'T4'), [foreign]);
    const noSchedule = withManagedTaints(node('False', [foreign]), 'NoSchedule', [TAINT_NOT_READY], 'T5')!;
    assert.deepEqual(noSchedule, [foreign, { key: TAINT_NOT_READY, effect: 'NoSchedule' }]);
  });
});
