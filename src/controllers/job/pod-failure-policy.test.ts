import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { testJob, testPod } from './test-fixtures.js';

const job = testJob({
  podFailurePolicy: {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    ],
  },
});

describe('podFailurePolicy', () => {
  it('counts every failure without a policy', () => {
    assert.deepEqual(matchPodFailurePolicy(testJob(), testPod({ phase: 'Failed', exitCode: 42 })), { countFailed: true });
  });

  it('fails the Job on a matching exit code, with upstream message', () => {
    const m = matchPodFailurePolicy(job, testPod({ phase: 'Failed', exitCode: 42, uid: 'p1' }));
    assert.equal(m.action, 'FailJob');
    assert.equal(m.failJobMessage, 'Container c for pod default/p1 failed with exit code 42 matching FailJob rule at index 1');
  });

  it('ignores a failure matched by condition, counts NotIn, and falls through when nothing matches', () => {
    const disrupted = testPod({ phase: 'Failed', exitCode: 42 });
    disrupted.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    assert.deepEqual(matchPodFailurePolicy(job, disrupted), { countFailed: false, action: 'Ignore' });
    assert.deepEqual(matchPodFailurePolicy(job, testPod({ phase: 'Failed', exitCode: 7 })), { countFailed: true, action: 'Count' });
    assert.deepEqual(matchPodFailurePolicy(job, testPod({ phase: 'Failed', exitCode: 1 })), { countFailed: true });
  });

  it('never matches exit code 0', () => {
    const j = testJob({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }] } });
    assert.deepEqual(matchPodFailurePolicy(j, testPod({ phase: 'Failed', exitCode: 0 })), { countFailed: true });
  });
});
