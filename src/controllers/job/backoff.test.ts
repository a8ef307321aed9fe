import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.js';
import { testPod } from './test-fixtures.js';

const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`;
const ms = (s: number) => Date.parse(at(s));

describe('pod failure backoff', () => {
  it('adds failures and resets on a success', () => {
    let r = nextBackoffRecord(undefined, [], [testPod({ phase: 'Failed', finishedAt: at(1) }), testPod({ phase: 'Failed', finishedAt: at(3) })]);
    assert.deepEqual(r, { failuresAfterLastSuccess: 2, lastFailureMs: ms(3) });
    r = nextBackoffRecord(r, [], [testPod({ phase: 'Failed', finishedAt: at(4) })]);
    assert.deepEqual(r, { failuresAfterLastSuccess: 3, lastFailureMs: ms(4) });
    assert.deepEqual(nextBackoffRecord(r, [testPod({ phase: 'Succeeded', finishedAt: at(5) })], []), { failuresAfterLastSuccess: 0 });
    // Only failures after the latest success count.
    assert.deepEqual(nextBackoffRecord(r, [testPod({ phase: 'Succeeded', finishedAt: at(5) })], [testPod({ phase: 'Failed', finishedAt: at(2) }), testPod({ phase: 'Failed', finishedAt: at(7) })]), {
      failuresAfterLastSuccess: 1,
      lastFailureMs: ms(7),
    });
  });

  it('doubles from the base up to the cap, counted from the last failure', () => {
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 0 }, 0), 0);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 1, lastFailureMs: 1000 }, 1000), 10_000);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 3, lastFailureMs: 1000 }, 6000), 35_000);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 30, lastFailureMs: 0 }, 0), 600_000);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 5, lastFailureMs: 0 }, 0, 10, 60), 60);
    assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: 1, lastFailureMs: 0 }, 20_000), 0);
  });
});
