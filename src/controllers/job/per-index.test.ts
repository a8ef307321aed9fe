import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
  calculateFailedIndexes,
  failedIndexesCondition,
  indexBackoffRemainingMs,
  isIndexFailed,
  podsAwaitingReplacement,
  replacementAnnotations,
} from './per-index.js';
import { testJob, testPod } from './test-fixtures.js';

const NOW = Date.parse('2026-01-01T01:00:00Z');

/** A pod of `index` that already carries `failures` (and `ignored`) earlier failures of its index. */
function indexPod(index: number, failures: number, opts: Parameters<typeof testPod>[0] = {}, ignored = 0): Pod {
  const pod = testPod({ index, ...opts });
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [JOB_INDEX_FAILURE_COUNT]: String(failures) };
  if (ignored) pod.metadata!.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(ignored);
  return pod;
}

const perIndexJob = (spec: Parameters<typeof testJob>[0] = {}, status: Parameters<typeof testJob>[1] = {}) =>
  testJob({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimitPerIndex: 1, backoffLimit: 2147483647, ...spec }, status);

describe('per-index failure counting', () => {
  it('fails an index only when a counted failure finds its budget spent', () => {
    const job = perIndexJob();
    assert.equal(isIndexFailed(job, indexPod(1, 0, { phase: 'Failed' })), false, 'first failure: one retry left');
    assert.equal(isIndexFailed(job, indexPod(1, 1, { phase: 'Failed' })), true, 'second failure exceeds backoffLimitPerIndex 1');
    assert.equal(isIndexFailed(job, indexPod(1, 1)), false, 'a running pod fails nothing');
  });

  it('fails an index at once on FailIndex, never on an ignored failure', () => {
    const job = perIndexJob({
      backoffLimitPerIndex: 3,
      podFailurePolicy: {
        rules: [
          { action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } },
          { action: 'Ignore', onExitCodes: { operator: 'In', values: [5] } },
        ],
      },
    });
    assert.equal(isIndexFailed(job, indexPod(2, 0, { phase: 'Failed', exitCode: 42 })), true);
    assert.equal(isIndexFailed(job, indexPod(2, 9, { phase: 'Failed', exitCode: 5 })), false);
    assert.equal(isIndexFailed(job, indexPod(2, 2, { phase: 'Failed', exitCode: 1 })), false);
  });

  it('collects failed indexes from the status and from uncounted pods', () => {
    const job = perIndexJob({}, { failedIndexes: '0' });
    const pods = [indexPod(2, 1, { phase: 'Failed' }), indexPod(3, 1, { phase: 'Failed', finalizer: false }), indexPod(1, 0, { phase: 'Failed' })];
    assert.deepEqual([...calculateFailedIndexes(job, pods)].sort(), [0, 2]);
  });

  it('gives a replacement the counts of the pod it replaces plus that failure', () => {
    const job = perIndexJob({ podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [5] } }] } });
    assert.deepEqual(replacementAnnotations(job, undefined), { [JOB_INDEX_FAILURE_COUNT]: '0' });
    assert.deepEqual(replacementAnnotations(job, indexPod(0, 1, { phase: 'Failed', exitCode: 1 })), { [JOB_INDEX_FAILURE_COUNT]: '2' });
    assert.deepEqual(replacementAnnotations(job, indexPod(0, 1, { phase: 'Failed', exitCode: 5 }, 2)), { [JOB_INDEX_FAILURE_COUNT]: '1', [JOB_INDEX_IGNORED_FAILURE_COUNT]: '3' });
    const bad = indexPod(0, 0, { phase: 'Failed' });
    bad.metadata!.annotations![JOB_INDEX_FAILURE_COUNT] = 'lots';
    assert.deepEqual(replacementAnnotations(job, bad), { [JOB_INDEX_FAILURE_COUNT]: '1' }, 'an unreadable count reads as 0');
  });

  it('keeps the latest failed pod of each pending index until its replacement exists', () => {
    const job = perIndexJob({ backoffLimitPerIndex: 5 });
    const older = indexPod(0, 0, { phase: 'Failed', uid: 'older', finishedAt: '2026-01-01T00:02:00Z' });
    const newer = indexPod(0, 1, { phase: 'Failed', uid: 'newer', finishedAt: '2026-01-01T00:03:00Z' });
    const replaced = indexPod(1, 0, { phase: 'Failed', uid: 'replaced' });
    const done = indexPod(2, 0, { phase: 'Failed', uid: 'done' });
    const gaveUp = indexPod(3, 0, { phase: 'Failed', uid: 'gave-up' });
    const awaiting = podsAwaitingReplacement(job, [older, newer, replaced, done, gaveUp], new Set([2]), new Set([3]), new Set([1]));
    assert.deepEqual([...awaiting.entries()].map(([i, p]) => [i, p.metadata!.uid]), [[0, 'newer']]);
  });

  it('delays an index by the Job backoff grown with that index failures', () => {
    const finished = '2026-01-01T00:59:50Z';
    assert.equal(indexBackoffRemainingMs(undefined, NOW, 10_000, 600_000), 0);
    assert.equal(indexBackoffRemainingMs(indexPod(0, 0, { phase: 'Failed', finishedAt: finished }), NOW, 10_000, 600_000), 0, 'first failure: 10 s, already over');
    assert.equal(indexBackoffRemainingMs(indexPod(0, 1, { phase: 'Failed', finishedAt: finished }), NOW, 10_000, 600_000), 10_000, 'second: 20 s');
    assert.equal(indexBackoffRemainingMs(indexPod(0, 1, { phase: 'Failed', finishedAt: finished }, 1), NOW, 10_000, 600_000), 30_000, 'ignored failures grow it too');
    assert.equal(indexBackoffRemainingMs(indexPod(0, 20, { phase: 'Failed', finishedAt: finished }), NOW, 10_000, 600_000), 590_000, 'capped');
  });

  it('fails the Job past maxFailedIndexes, or when every index finished and one failed', () => {
    const limited = perIndexJob({ maxFailedIndexes: 1 });
    assert.equal(failedIndexesCondition(limited, new Set([1]), new Set(), NOW), undefined);
    const c = failedIndexesCondition(limited, new Set([1, 2]), new Set(), NOW)!;
    assert.deepEqual([c.type, c.reason], ['FailureTarget', 'MaxFailedIndexesExceeded']);
    const job = perIndexJob();
    assert.equal(failedIndexesCondition(job, new Set([1]), new Set([0, 2]), NOW), undefined, 'index 3 still runs');
    assert.equal(failedIndexesCondition(job, new Set([1]), new Set([0, 2, 3]), NOW)?.reason, 'FailedIndexes');
    assert.equal(failedIndexesCondition(job, new Set(), new Set([0, 1, 2, 3]), NOW), undefined);
  });
});
