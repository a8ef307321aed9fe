import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { desiredStatus, expectedAndDesired, failSafeStatus, scaledValue } from './budget.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const pod = (name: string, ready = true, deleting = false): Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const budget = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({ metadata: { name: 'b', generation: 3 }, spec, ...(status ? { status } : {}) });

describe('PodDisruptionBudget status', () => {
  it('scales percentages rounding up', () => {
    assert.equal(scaledValue('50%', 3), 2);
    assert.equal(scaledValue('10%', 10), 1);
    assert.equal(scaledValue(4, 10), 4);
    assert.throws(() => scaledValue('half', 3), /invalid value/);
  });
  it('takes expected pods from the pod count for an integer minAvailable, else from the scale', () => {
    assert.deepEqual(expectedAndDesired(budget({ minAvailable: 2 }), 4, 9), { expected: 4, desired: 2 });
    assert.deepEqual(expectedAndDesired(budget({ minAvailable: '50%' }), 4, 5), { expected: 5, desired: 3 });
    assert.deepEqual(expectedAndDesired(budget({ maxUnavailable: '25%' }), 4, 5), { expected: 5, desired: 3 });
    assert.deepEqual(expectedAndDesired(budget({ maxUnavailable: 7 }), 4, 5), { expected: 5, desired: 0 });
  });
  it('counts ready pods that are not going, and allows the surplus', () => {
    const { status } = desiredStatus(budget({ minAvailable: 2 }), { pods: [pod('a'), pod('b'), pod('c'), pod('d', false), pod('e', true, true)], scale: 0, now: NOW });
    assert.equal(status?.currentHealthy, 3);
    assert.equal(status?.expectedPods, 5);
    assert.equal(status?.disruptionsAllowed, 1);
    assert.equal(status?.observedGeneration, 3);
    assert.deepEqual(status?.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]), [['DisruptionAllowed', 'True', 'SufficientPods', 3]]);
    // Written once, the same facts need no write.
    assert.equal(desiredStatus(budget({ minAvailable: 2 }, status), { pods: [pod('a'), pod('b'), pod('c'), pod('d', false), pod('e', true, true)], scale: 0, now: NOW + 1000 }).status, undefined);
  });
  it('allows nothing without expected pods', () => {
    const { status } = desiredStatus(budget({ maxUnavailable: 1 }), { pods: [], scale: 0, now: NOW });
    assert.equal(status?.disruptionsAllowed, 0);
    assert.equal(status?.conditions?.[0]?.reason, 'InsufficientPods');
  });
  it('keeps recent evictions out of the count until they time out, and drops pods that went', () => {
    const recent = '2026-01-01T00:09:30Z';
    const old = '2026-01-01T00:07:00Z';
    const b = budget({ minAvailable: 1 }, { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, disruptedPods: { a: recent, b: old, gone: recent } });
    const result = desiredStatus(b, { pods: [pod('a'), pod('b'), pod('c')], scale: 0, now: NOW });
    assert.deepEqual(result.status?.disruptedPods, { a: recent });
    assert.equal(result.status?.currentHealthy, 2);
    assert.equal(result.recheckAt, Date.parse(recent) + 120_000);
  });
  it('fails safe', () => {
    const s = failSafeStatus(budget({ maxUnavailable: 1 }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 }), 'found no controllers for pod "x"', NOW);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(s.conditions?.map((c) => [c.status, c.reason, c.message]), [['False', 'SyncFailed', 'found no controllers for pod "x"']]);
  });
});
