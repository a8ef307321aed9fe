import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countFinished, countUncounted, isComplete, pastBackoffLimitOnFailure, planTracking, succeededIndexes, terminalCondition, wantActive } from './job-sync.js';
import { newCondition } from './job-util.js';
import { testJob, testPod } from './test-fixtures.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');

describe('countFinished', () => {
  it('adds new and uncounted finished pods to the counters, once', () => {
    const job = testJob({}, { succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['s-old'], failed: ['f-old'] } });
    const pods = [
      testPod({ phase: 'Succeeded', uid: 's-new' }),
      testPod({ phase: 'Succeeded', uid: 's-old' }),
      testPod({ phase: 'Succeeded', uid: 's-done', finalizer: false }),
      testPod({ phase: 'Failed', uid: 'f-new' }),
      testPod({ phase: 'Failed', uid: 'f-removing' }),
      testPod({ uid: 'gone', deleting: true }),
      testPod({ uid: 'running' }),
    ];
    const c = countFinished(job, pods, new Set(['f-removing']));
    assert.deepEqual(c.newSucceeded.map((p) => p.metadata!.uid), ['s-new']);
    assert.deepEqual(c.newFailed.map((p) => p.metadata!.uid), ['f-new', 'gone']);
    assert.equal(c.succeeded, 2 + 1 + 1);
    assert.equal(c.failed, 1 + 2 + 1);
  });

  it('does not count a deleted pod as failed when only failed pods are replaced, nor an ignored failure', () => {
    const job = testJob({ podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] } });
    const c = countFinished(job, [testPod({ uid: 'gone', deleting: true }), testPod({ phase: 'Failed', exitCode: 3 }), testPod({ phase: 'Failed', exitCode: 4 })], new Set());
    assert.equal(c.newFailed.length, 2);
    assert.equal(c.failed, 1);
  });
});

describe('terminalCondition', () => {
  it('fails past backoffLimit, not at it', () => {
    const job = testJob({ backoffLimit: 2 });
    assert.equal(terminalCondition(job, [], 2, NOW), undefined);
    const c = terminalCondition(job, [], 3, NOW)!;
    assert.deepEqual([c.type, c.reason, c.message], ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  });

  it('fails past the active deadline, but not while suspended', () => {
    const job = testJob({ activeDeadlineSeconds: 60 }, { startTime: '2026-01-01T00:59:00Z' });
    assert.equal(terminalCondition(job, [], 0, NOW)?.reason, 'DeadlineExceeded');
    assert.equal(terminalCondition(job, [], 0, NOW - 1000), undefined);
    job.spec!.suspend = true;
    assert.equal(terminalCondition(job, [], 0, NOW), undefined);
  });

  it('fails on a FailJob rule and turns an earlier FailureTarget into Failed', () => {
    const job = testJob({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } });
    assert.equal(terminalCondition(job, [testPod({ phase: 'Failed', exitCode: 42 })], 1, NOW)?.reason, 'PodFailurePolicy');
    job.status = { conditions: [newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'late', NOW)] };
    const c = terminalCondition(job, [], 0, NOW)!;
    assert.deepEqual([c.type, c.reason, c.message], ['Failed', 'DeadlineExceeded', 'late']);
  });

  it('counts container restarts against backoffLimit under restartPolicy OnFailure', () => {
    const job = testJob({ backoffLimit: 2 });
    job.spec!.template.spec!.restartPolicy = 'OnFailure';
    const pod = testPod();
    pod.status!.containerStatuses = [{ name: 'c', image: '', imageID: '', ready: true, restartCount: 2 }];
    assert.equal(pastBackoffLimitOnFailure(job, [pod]), true);
    pod.status!.containerStatuses[0]!.restartCount = 1;
    assert.equal(pastBackoffLimitOnFailure(job, [pod]), false);
  });
});

describe('terminalCondition for Indexed Jobs', () => {
  const indexed = (spec: Parameters<typeof testJob>[0] = {}) => testJob({ completionMode: 'Indexed', completions: 3, parallelism: 3, ...spec });

  it('fails on failed indexes, after the Job-wide checks', () => {
    const job = indexed({ backoffLimitPerIndex: 0, maxFailedIndexes: 0, backoffLimit: 1 });
    assert.equal(terminalCondition(job, [], 0, NOW, { succeeded: new Set(), failed: new Set([2]) })?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(terminalCondition(job, [], 2, NOW, { succeeded: new Set(), failed: new Set([2]) })?.reason, 'BackoffLimitExceeded', 'backoffLimit still holds and comes first');
    const all = indexed({ backoffLimitPerIndex: 0 });
    assert.equal(terminalCondition(all, [], 0, NOW, { succeeded: new Set([0, 1]), failed: new Set([2]) })?.reason, 'FailedIndexes');
  });

  it('meets the success policy unless a failure was found first', () => {
    const job = indexed({ successPolicy: { rules: [{ succeededIndexes: '0' }] }, backoffLimitPerIndex: 0, maxFailedIndexes: 0 });
    const c = terminalCondition(job, [], 0, NOW, { succeeded: new Set([0]), failed: new Set() })!;
    assert.deepEqual([c.type, c.reason, c.message], ['SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0']);
    assert.equal(terminalCondition(job, [], 0, NOW, { succeeded: new Set([0]), failed: new Set([1]) })?.type, 'FailureTarget');
    assert.equal(terminalCondition(job, [], 0, NOW, { succeeded: new Set([1]) }), undefined);
  });
});

describe('wantActive / isComplete', () => {
  it('runs up to parallelism, never more than the remaining completions', () => {
    assert.equal(wantActive(testJob({ completions: 5, parallelism: 2 }), 0, 0), 2);
    assert.equal(wantActive(testJob({ completions: 5, parallelism: 2 }), 2, 4), 1);
    assert.equal(wantActive(testJob({ completions: 5, parallelism: 2 }), 1, 6), 0);
    assert.equal(isComplete(testJob({ completions: 3 }), 3, 0), true);
    assert.equal(isComplete(testJob({ completions: 3 }), 3, 1), false);
  });

  it('a work queue (no completions) stops creating after the first success and completes when all stopped', () => {
    const job = testJob({ completions: undefined, parallelism: 3 });
    assert.equal(wantActive(job, 1, 0), 3);
    assert.equal(wantActive(job, 2, 1), 2);
    assert.equal(isComplete(job, 1, 1), false);
    assert.equal(isComplete(job, 1, 0), true);
  });
});

describe('planTracking', () => {
  it('records finished pods before their finalizers go, skipping those already recorded', () => {
    const job = testJob({}, { uncountedTerminatedPods: { succeeded: ['s-old'] } });
    const pods = [testPod({ phase: 'Succeeded', uid: 's-old' }), testPod({ phase: 'Succeeded', uid: 's-new' }), testPod({ phase: 'Failed', uid: 'f' }), testPod({ uid: 'run' })];
    const plan = planTracking(job, pods, new Set(), undefined, new Set());
    assert.deepEqual(plan.removeFinalizer.map((p) => p.metadata!.uid), ['s-old', 's-new', 'f']);
    assert.deepEqual(plan.addSucceeded, ['s-new']);
    assert.deepEqual(plan.addFailed, ['f']);
  });

  it('counts every remaining pod as failed once the Job failed', () => {
    const plan = planTracking(testJob(), [testPod({ uid: 'run', deleting: true }), testPod({ uid: 'pending', phase: 'Pending' })], new Set(), newCondition('FailureTarget', 'True', 'x', 'y', NOW), new Set());
    assert.deepEqual(plan.addFailed, ['run', 'pending']);
  });

  it('tracks Indexed successes by index, not UID', () => {
    const job = testJob({ completionMode: 'Indexed', completions: 3 }, { completedIndexes: '0' });
    const pods = [testPod({ phase: 'Succeeded', index: 2 }), testPod({ phase: 'Succeeded', index: 0 }), testPod({ phase: 'Succeeded', index: 2 })];
    const { previous, current } = succeededIndexes(job, pods);
    assert.deepEqual([...previous], [0]);
    assert.deepEqual([...current].sort(), [0, 2]);
    const plan = planTracking(job, pods, new Set(), undefined, previous);
    assert.deepEqual(plan.newSucceededIndexes, [2]);
    assert.deepEqual(plan.addSucceeded, []);
    assert.equal(plan.removeFinalizer.length, 3);
  });
});

describe('planTracking with backoffLimitPerIndex', () => {
  it('keeps the finalizer of a failed pod awaiting its replacement, unless the Job is ending', () => {
    const job = testJob({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 });
    const pods = [testPod({ phase: 'Failed', index: 0, uid: 'waits' }), testPod({ phase: 'Failed', index: 1, uid: 'replaced' })];
    const plan = planTracking(job, pods, new Set(), undefined, new Set(), new Set(['waits']));
    assert.deepEqual(plan.removeFinalizer.map((p) => p.metadata!.uid), ['replaced']);
    assert.deepEqual(plan.addFailed, ['replaced']);
    const ending = planTracking(job, pods, new Set(), newCondition('FailureTarget', 'True', 'FailedIndexes', 'x', NOW), new Set(), new Set(['waits']));
    assert.deepEqual(ending.addFailed, ['waits', 'replaced']);
  });
});

describe('countUncounted', () => {
  it('moves pods whose finalizer is gone into the counters', () => {
    const status = { succeeded: 1, failed: 0, uncountedTerminatedPods: { succeeded: ['a', 'b'], failed: ['c'] } };
    assert.equal(countUncounted(status, new Set(['b'])), true);
    assert.deepEqual(status, { succeeded: 2, failed: 1, uncountedTerminatedPods: { succeeded: ['b'] } });
    assert.equal(countUncounted(status, new Set(['b'])), false);
  });
});
