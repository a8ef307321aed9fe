import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchSuccessPolicy } from './success-policy.js';
import { testJob } from './test-fixtures.js';

const job = (rules: { succeededIndexes?: string; succeededCount?: number }[]) => testJob({ completionMode: 'Indexed', completions: 10, parallelism: 10, successPolicy: { rules } });

describe('matchSuccessPolicy', () => {
  it('needs every listed index when only succeededIndexes is given', () => {
    const j = job([{ succeededIndexes: '0,2-4' }]);
    assert.equal(matchSuccessPolicy(j, new Set([0, 2, 3])), undefined);
    assert.equal(matchSuccessPolicy(j, new Set([0, 2, 3, 4, 7])), 'Matched rules at index 0');
  });

  it('needs succeededCount of the listed indexes when both are given', () => {
    const j = job([{ succeededIndexes: '1-5', succeededCount: 2 }]);
    assert.equal(matchSuccessPolicy(j, new Set([0, 1, 9])), undefined, 'only index 1 is in the list');
    assert.equal(matchSuccessPolicy(j, new Set([1, 5])), 'Matched rules at index 0');
  });

  it('counts any indexes when only succeededCount is given, and names the first rule that holds', () => {
    const j = job([{ succeededIndexes: '9' }, { succeededCount: 3 }]);
    assert.equal(matchSuccessPolicy(j, new Set([0, 1])), undefined);
    assert.equal(matchSuccessPolicy(j, new Set([0, 1, 2])), 'Matched rules at index 1');
    assert.equal(matchSuccessPolicy(j, new Set([0, 1, 2, 9])), 'Matched rules at index 0');
  });

  it('holds for nothing without a policy, without successes, or with unreadable indexes', () => {
    assert.equal(matchSuccessPolicy(testJob({ completionMode: 'Indexed', completions: 2 }), new Set([0, 1])), undefined);
    assert.equal(matchSuccessPolicy(job([{ succeededCount: 0 }]), new Set()), undefined);
    assert.equal(matchSuccessPolicy(job([{ succeededIndexes: 'x' }]), new Set([0])), undefined);
  });
});
