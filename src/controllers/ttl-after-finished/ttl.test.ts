import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { timeLeftMs } from './ttl.js';

const job = (ttl: number | undefined, condition?: string, deleting = false): Job => ({
  metadata: { name: 'j', namespace: 'default', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
  status: condition ? { conditions: [{ type: condition, status: 'True', lastTransitionTime: '2026-01-01T00:00:10Z' }] } : {},
});
const T = Date.parse('2026-01-01T00:00:10Z');

describe('ttlSecondsAfterFinished', () => {
  it('counts from the Complete or Failed transition', () => {
    assert.equal(timeLeftMs(job(30, 'Complete'), T + 10_000), 20_000);
    assert.equal(timeLeftMs(job(0, 'Failed'), T), 0);
    assert.ok(timeLeftMs(job(5, 'Complete'), T + 6000)! < 0);
  });

  it('leaves running Jobs, Jobs without a TTL and Jobs being deleted alone', () => {
    assert.equal(timeLeftMs(job(30, 'FailureTarget'), T), undefined);
    assert.equal(timeLeftMs(job(undefined, 'Complete'), T), undefined);
    assert.equal(timeLeftMs(job(30, 'Complete', true), T), undefined);
  });
});
