import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureCondition, isJobFinished, isPodFailed, managedElsewhere, podFinishedAt } from './job-util.js';
import { testJob, testPod } from './test-fixtures.js';

describe('job-util', () => {
  it('sets conditions like upstream: no False from nothing, replace on change', () => {
    let r = ensureCondition([], 'Suspended', 'False', 'JobResumed', 'Job resumed', 0);
    assert.deepEqual(r, { conditions: [], changed: false });
    r = ensureCondition([], 'Suspended', 'True', 'JobSuspended', 'Job suspended', 0);
    assert.equal(r.changed, true);
    assert.equal(ensureCondition(r.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 5000).changed, false);
    const resumed = ensureCondition(r.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', 5000);
    assert.deepEqual(resumed.conditions.map((c) => [c.status, c.reason, c.lastTransitionTime]), [['False', 'JobResumed', '1970-01-01T00:00:05Z']]);
  });

  it('knows a finished Job', () => {
    assert.equal(isJobFinished(testJob({}, { conditions: [{ type: 'FailureTarget', status: 'True' }] })), false);
    assert.equal(isJobFinished(testJob({}, { conditions: [{ type: 'Complete', status: 'True' }] })), true);
  });

  it('counts a pod deleted before it finished as failed unless only failed pods are replaced', () => {
    assert.equal(isPodFailed(testPod({ deleting: true }), testJob()), true);
    assert.equal(isPodFailed(testPod({ deleting: true }), testJob({ podReplacementPolicy: 'Failed' })), false);
    assert.equal(isPodFailed(testPod({ deleting: true, phase: 'Succeeded' }), testJob()), false);
  });

  it('dates a finished pod by its containers first', () => {
    assert.equal(podFinishedAt(testPod({ phase: 'Failed', finishedAt: '2026-01-01T00:00:09Z' })), Date.parse('2026-01-01T00:00:09Z'));
    assert.equal(podFinishedAt(testPod({ phase: 'Failed' })), Date.parse('2026-01-01T00:00:00Z'));
  });
});

describe('managedBy', () => {
  it('leaves Jobs managed by another controller alone', () => {
    assert.equal(managedElsewhere(testJob()), false);
    assert.equal(managedElsewhere(testJob({ managedBy: 'kubernetes.io/job-controller' })), false);
    assert.equal(managedElsewhere(testJob({ managedBy: 'example.com/queue' })), true);
  });
});
