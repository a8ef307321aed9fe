import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completionIndex, firstPendingIndexes, formatIndexes, parseIndexes, surplusIndexedPods } from './indexes.js';
import { testPod } from './test-fixtures.js';

describe('indexes', () => {
  it('formats and parses completedIndexes as runs', () => {
    assert.equal(formatIndexes([5, 0, 2, 1, 7, 8]), '0-2,5,7,8');
    assert.equal(formatIndexes([3, 4, 5, 6]), '3-6');
    assert.equal(formatIndexes([]), '');
    assert.deepEqual(parseIndexes('0-2,5,7-8', 8), [0, 1, 2, 5, 7]);
    assert.deepEqual(parseIndexes('x,3', 10), [3]);
    assert.deepEqual(parseIndexes(undefined, 3), []);
  });

  it('reads a pod index, refusing malformed ones', () => {
    assert.equal(completionIndex(testPod({ index: 4 })), 4);
    const bad = testPod();
    bad.metadata!.annotations = { 'batch.kubernetes.io/job-completion-index': '-1' };
    assert.equal(completionIndex(bad), undefined);
    assert.equal(completionIndex(testPod()), undefined);
  });

  it('picks the lowest indexes neither succeeded nor running', () => {
    assert.deepEqual(firstPendingIndexes(6, new Set([0, 2]), new Set([1]), 2), [3, 4]);
    assert.deepEqual(firstPendingIndexes(3, new Set([0, 1, 2]), new Set(), 5), []);
  });

  it('removes duplicate and out-of-range indexes, keeping the pod furthest along', () => {
    const pending = testPod({ index: 1, phase: 'Pending' });
    const runningReady = testPod({ index: 1, ready: true });
    const outside = testPod({ index: 9 });
    const none = testPod();
    const ok = testPod({ index: 0 });
    const { remove, keep } = surplusIndexedPods([pending, runningReady, outside, none, ok], 3, Date.now());
    assert.deepEqual(new Set(remove), new Set([pending, outside, none]));
    assert.deepEqual(new Set(keep), new Set([runningReady, ok]));
  });
});
